"""pages/ui.py's flash messages and the one conflict idiom (save_versioned), each run in a
small host script: a one-field record kept in session state stands in for a service."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from pages import ui
from tests.pages.conftest import texts
from tests.pages.homework_pages import click

SAVE_HOST = """
from types import SimpleNamespace

import streamlit as st

from core.errors import ConflictError, ValidationError
from pages import ui

record = st.session_state.setdefault("record", {"version": 1, "text": "first"})
ui.show_flash()
ui.seen_version("seen", record["version"])
with st.form("edit"):
    text = st.text_input("Text", value=record["text"], key="edit_text")
    save = st.form_submit_button("Save")


def store(version):
    if not text.strip():
        raise ValidationError("Write some text.")
    if version != record["version"]:
        raise ConflictError("The record was changed by someone else.")
    record.update(version=version + 1, text=text)
    return SimpleNamespace(version=record["version"])


if save and ui.save_versioned("seen", record["version"], store):
    ui.forget_widgets("edit_")
    ui.flash("Saved.")
    st.rerun()
"""

FLASH_HOST = """
import streamlit as st

from pages import ui

ui.show_flash()
if st.button("Save"):
    ui.flash("Saved.")
    st.rerun()
if st.button("Save below"):
    ui.flash("Saved below.", slot="below")
    st.rerun()
st.markdown("Below")
ui.show_flash("below")
"""


def open_host(script: str) -> AppTest:
    at = AppTest.from_string(script, default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def editor() -> AppTest:
    return open_host(SAVE_HOST)


def test_a_save_flashes_once_and_shows_the_saved_value(editor: AppTest) -> None:
    editor.text_input(key="edit_text").set_value("mine")
    at = click(editor, "Save")
    assert at.session_state["record"] == {"version": 2, "text": "mine"}
    assert texts(at, "success") == ["Saved."]
    assert at.session_state["seen"] == 2
    at.run()
    assert texts(at, "success") == []


def test_a_conflict_shows_the_message_and_hint_and_keeps_the_input(editor: AppTest) -> None:
    editor.session_state["record"] = {"version": 2, "text": "theirs"}  # another tab saved
    editor.text_input(key="edit_text").set_value("mine")
    at = click(editor, "Save")
    (error,) = texts(at, "error")
    assert "changed by someone else" in error and ui.CONFLICT_HINT in error
    assert at.text_input(key="edit_text").value == "mine"
    assert at.session_state["record"] == {"version": 2, "text": "theirs"}
    assert not texts(at, "success")
    # The saved version now counts as seen: saving again applies the kept input.
    at = click(at, "Save")
    assert at.session_state["record"] == {"version": 3, "text": "mine"}
    assert texts(at, "success") == ["Saved."] and not texts(at, "error")


def test_other_refusals_show_without_the_hint_and_keep_the_version(editor: AppTest) -> None:
    editor.session_state["record"] = {"version": 2, "text": "theirs"}
    editor.text_input(key="edit_text").set_value("  ")
    at = click(editor, "Save")
    assert texts(at, "error") == ["Write some text."]
    assert at.session_state["seen"] == 1  # the conflict is still reported on the next save
    at.text_input(key="edit_text").set_value("mine")
    at = click(at, "Save")
    assert any("changed by someone else" in e for e in texts(at, "error"))


def test_flash_shows_once_in_its_slot() -> None:
    at = click(open_host(FLASH_HOST), "Save")
    assert texts(at, "success") == ["Saved."]
    at.run()
    assert texts(at, "success") == []
    at = click(at, "Save below")
    assert texts(at, "success") == ["Saved below."]
    shown = [getattr(node, "value", None) for node in at.main.children.values()]
    assert shown.index("Saved below.") > shown.index("Below")  # where its slot is shown
    at.run()
    assert texts(at, "success") == []


@pytest.mark.parametrize(
    ("zone", "locale", "shown"),
    [
        ("Pacific/Auckland", "en-GB", "25/11/2026"),  # 20:00 UTC is the next morning there
        ("America/New_York", "en-US", "11/24/2026"),
        (None, None, "2026-11-24"),  # unknown zone and locale: UTC, ISO
        ("Not/AZone", "de-DE", "24.11.2026"),
    ],
)
def test_show_date_gives_a_moment_as_its_day_in_the_browser_zone(
    monkeypatch: pytest.MonkeyPatch, zone: str | None, locale: str | None, shown: str
) -> None:
    context = SimpleNamespace(timezone=zone, locale=locale)
    monkeypatch.setattr(ui, "st", SimpleNamespace(context=context))
    assert ui.show_date(datetime(2026, 11, 24, 20, 0, tzinfo=UTC)) == shown
    assert ui.show_date(date(2026, 11, 24)) == shown.replace("25", "24")


def test_importing_ui_never_reruns_even_in_legacy_pages_mode() -> None:
    """Two first visitors at once: a rerun raised while pages.ui was being imported failed
    that import for the other session too ("cannot import name 'ui' from 'pages'"). The
    legacy-mode exit is a call (app.py's, and `ui.database()`'s for a page run directly):
    importing ui, in a fresh interpreter in legacy pages/ mode, leaves the mode as it was."""
    probe = (
        "from streamlit.runtime.pages_manager import PagesManager\n"
        "PagesManager.uses_pages_directory = True\n"
        "from pages import ui\n"
        "print(PagesManager.uses_pages_directory)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert ran.stdout.strip().splitlines()[-1] == "True"
