"""The charts' browser (core.reports.images): one Chromium kept open between reports,
started again when it died, shared safely by two threads, closed on request."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator

import plotly.graph_objects as go
import pytest

from core.reports import images
from core.reports.model import Figure

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="needs Debian's chromium (make report-deps)"
)
PNG = b"\x89PNG\r\n\x1a\n"


def chart(level: int) -> Figure:
    figure = go.Figure(go.Scatter(x=[1, 2, 3], y=[level, level + 2, level + 1]))
    return Figure(figure, 300, 200)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a child of this process that ended but was not yet reaped
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return False


@pytest.fixture
def browser() -> Iterator[images.ChartBrowser]:
    made = images.ChartBrowser()
    yield made
    made.stop()


def test_reports_reuse_one_browser_and_draw_each_chart_in_order(
    browser: images.ChartBrowser,
) -> None:
    first = browser.draw([chart(1), chart(5)], images.SCALE)
    pid = browser.pid()
    again = browser.draw([chart(5), chart(1)], images.SCALE)
    assert browser.starts == 1 and browser.pid() == pid
    assert all(png.startswith(PNG) for png in first)
    assert first[0] != first[1]
    assert again == [first[1], first[0]]


def test_a_killed_browser_is_started_again_and_draws_the_same(
    browser: images.ChartBrowser,
) -> None:
    (before,) = browser.draw([chart(2)], images.SCALE)
    pid = browser.pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    (after,) = browser.draw([chart(2)], images.SCALE)
    assert after == before
    assert browser.starts == 2 and browser.pid() not in (None, pid)


def test_charts_lost_with_a_browser_killed_while_drawing_are_drawn_again(
    browser: images.ChartBrowser,
) -> None:
    (alone,) = browser.draw([chart(6)], images.SCALE)
    pid = browser.pid()
    assert pid is not None
    drawing = browser.start([chart(6)] * 4, images.SCALE)  # handed over, not yet drawn
    os.kill(pid, signal.SIGKILL)
    assert list(drawing) == [alone] * 4
    assert browser.starts == 2


def test_two_threads_drawing_at_once_each_get_their_own_charts(
    browser: images.ChartBrowser,
) -> None:
    alone = {level: browser.draw([chart(level)], images.SCALE)[0] for level in (3, 7)}
    drawn: dict[int, list[bytes]] = {}

    def report(level: int) -> None:
        drawn[level] = browser.draw([chart(level), chart(level)], images.SCALE)

    threads = [threading.Thread(target=report, args=(level,)) for level in (3, 7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert drawn == {level: [png, png] for level, png in alone.items()}
    assert browser.starts == 1


def test_stop_closes_the_browser_and_the_next_report_starts_one(
    browser: images.ChartBrowser,
) -> None:
    browser.draw([chart(4)], images.SCALE)
    pid = browser.pid()
    assert pid is not None
    browser.stop()
    assert browser.pid() is None
    deadline = time.monotonic() + 10
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert gone(pid)
    assert browser.draw([chart(4)], images.SCALE)[0].startswith(PNG)
    assert browser.starts == 2


def test_no_figures_need_no_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    unused = images.ChartBrowser()
    monkeypatch.setattr(images, "_BROWSER", unused)
    assert images.render_pngs([]) == []
    assert unused.starts == 0
