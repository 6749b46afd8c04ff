"""plain() and chart_text(): what a person typed shows as typed, in markdown and in plotly."""

from __future__ import annotations

import re

import pytest

from core.formatting import JOINER, chart_text, plain

# Each payload as stored, and what must not survive unescaped in the markdown source.
PAYLOADS = {
    "image": "![x](http://127.0.0.1:9/beacon.png)",
    "link": "[click](http://evil.example)",
    "autolink": "<http://evil.example>",
    "heading": "# BIG",
    "html image": "<img src=http://127.0.0.1:9/x.png>",
    "html link": '<a href="http://evil.example">x</a>',
    "latex": "$\\frac{1}{2}$",
    "directive": ":red[alert]",
}
LIVE = re.compile(
    r"(?<!\\)(\]\(|<img|<a |<http|\$\\frac|:red|:material/|\[click)|(?m:^\s*#)|http://|www\."
)


def live_markdown(source: str) -> list[str]:
    """The markdown meanings left in `source` (an empty list when everything is escaped)."""
    return [match.group(0) for match in LIVE.finditer(source)]


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_each_payload_is_escaped(payload: str) -> None:
    assert live_markdown(payload), "the check itself must see the raw payload"
    assert live_markdown(plain(payload)) == []


def test_payloads_on_later_lines_and_in_context_are_escaped() -> None:
    text = "\n".join(PAYLOADS.values()) + "\n1. one\n- two\n+ three\n> quote\n===\n---"
    shown = plain(text)
    assert live_markdown(shown) == []
    for line in shown.split("  \n"):
        assert re.match(r"^\s*(\d+[.)]|[-+>=#*])", line) is None, line


def test_bare_links_entities_icons_and_tables_are_defused() -> None:
    shown = plain("see www.evil.example or https://evil.example, &#60;b&#62; :material/home: a|b")
    assert f"www{JOINER}." in shown and f"https:{JOINER}//" in shown
    assert "\\&#60;" in shown and ":material\\/home" in shown and "a\\|b" in shown
    assert f"a{JOINER}@b" in plain("a@b.example")


def test_prose_reads_the_same() -> None:
    prose = "Kit & Lou: met at 10:30 (joint). Rebuild honesty, step 1 - slowly!"
    assert plain(prose) == prose


def test_line_breaks_stay_line_breaks() -> None:
    assert plain("one\r\ntwo\nthree") == "one  \ntwo  \nthree"
    assert plain(None) == ""


def test_chart_text_leaves_no_html_for_plotly() -> None:
    for payload in PAYLOADS.values():
        shown = chart_text(payload)
        assert "<" not in shown and ">" not in shown
    assert chart_text("Kit & <b>Lou</b>") == "Kit &amp; &lt;b&gt;Lou&lt;/b&gt;"
    assert chart_text("&lt;a") == "&amp;lt;a"  # an entity someone typed shows as typed
