"""Check-in ratings are distinct markers on the trend chart (core.chart_markers)."""

from __future__ import annotations

from core import charts
from core.chart_markers import CHECK_IN_SYMBOL, check_in_rows
from core.services.partner_checkins import client_address
from tests.progress_support import frame_of, rating


def test_check_in_points_get_their_own_marked_trace() -> None:
    frame = frame_of(
        rating(0, 20, instrument="five_cs"),
        {**rating(2, 24, instrument="five_cs"), "source": "check-in"},
        rating(4, 26, instrument="five_cs"),
    )
    figure = charts.trend(frame, "five_cs", None, case_code="C-0001")
    marked = [t for t in figure.data if t.name and t.name.endswith("· check-in")]
    assert len(marked) == 1
    assert list(marked[0].x) == [2.0] and list(marked[0].y) == [24.0]
    assert marked[0].marker.symbol == CHECK_IN_SYMBOL
    line = next(t for t in figure.data if t.name == "Kit (A)")
    assert list(line.y) == [20.0, 24.0, 26.0]  # still on the partner's line


def test_no_check_ins_no_extra_trace() -> None:
    frame = frame_of(rating(0, 20, instrument="five_cs"), rating(4, 26, instrument="five_cs"))
    figure = charts.trend(frame, "five_cs", None, case_code="C-0001")
    assert not [t for t in figure.data if t.name and "check-in" in t.name]
    assert check_in_rows(frame.drop(columns="source")).empty


def test_the_limit_counts_the_connection_unless_a_local_proxy_forwards() -> None:
    assert client_address("203.0.113.9", "198.51.100.1") == "203.0.113.9"  # no spoofing
    assert client_address("127.0.0.1", "198.51.100.1, 10.0.0.2") == "198.51.100.1"
    assert client_address(None, None) is None
