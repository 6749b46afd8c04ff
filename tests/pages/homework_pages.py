"""Running single pages (not registered in app.py) with AppTest, for the homework pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from core.services.access import Actor

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "pages" / "library.py"
HOMEWORK_DUE = ROOT / "pages" / "homework_due.py"
HOMEWORK_TAB_HOST = Path(__file__).resolve().parent / "tabs" / "_homework_host.py"


def run_page(path: Path, user: Actor, **query: Any) -> AppTest:
    """Run one page script on its own as `user` (the page_db fixture sets DATABASE_URL)."""
    at = AppTest.from_file(str(path), default_timeout=30)
    at.session_state["user"] = user
    for key, value in query.items():
        at.query_params[key] = str(value)
    at.run()
    assert not at.exception, at.exception
    return at


def click(at: AppTest, label: str) -> AppTest:
    """Click the (first) button or form submit button labelled `label`, then run."""
    buttons = [b for b in at.button if b.label == label]
    assert buttons, f"no button labelled {label!r}: {[b.label for b in at.button]}"
    buttons[0].click()
    at.run()
    assert not at.exception, at.exception
    return at
