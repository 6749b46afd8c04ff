"""pages/components/confirm.py: ask first, act on "Yes", forget on Cancel; or tick a box."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages.conftest import texts
from tests.pages.homework_pages import click

HOST = """
import streamlit as st

from core.errors import ValidationError
from pages import ui
from pages.components import confirm

done = st.session_state.setdefault("done", [])
if st.button("Delete…"):
    confirm.request("delete", "the draft")


def delete():
    if st.session_state.get("refuse"):
        raise ValidationError("Not now.")
    done.append(confirm.pending("delete"))
    return "deleted"


if confirm.pending("delete"):
    result = confirm.ask(
        "delete",
        f"Delete {confirm.pending('delete')}?",
        yes="Yes, delete",
        act=lambda: ui.attempt(delete),
    )
    if result:
        ui.flash(f"Result: {result}")
        st.rerun()
ui.show_flash()
ticked = confirm.tick("I am sure", key="sure")
st.button("Act", disabled=not ticked)
"""


def open_host() -> AppTest:
    at = AppTest.from_string(HOST, default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def labels(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def test_nothing_is_asked_until_requested() -> None:
    at = open_host()
    assert labels(at) == ["Delete…", "Act"] and not texts(at, "warning")


def test_yes_acts_once_and_ends_the_request() -> None:
    at = click(open_host(), "Delete…")
    assert texts(at, "warning") == ["Delete the draft?"]
    assert at.session_state["done"] == []
    at = click(at, "Yes, delete")
    assert at.session_state["done"] == ["the draft"]
    assert texts(at, "success") == ["Result: deleted"]
    assert "Yes, delete" not in labels(at)


def test_cancel_ends_the_request_without_acting() -> None:
    at = click(click(open_host(), "Delete…"), "Cancel")
    assert at.session_state["done"] == [] and "Yes, delete" not in labels(at)


def test_a_refused_action_keeps_the_question() -> None:
    at = click(open_host(), "Delete…")
    at.session_state["refuse"] = True
    at = click(at, "Yes, delete")
    assert texts(at, "error") == ["Not now."]
    assert texts(at, "warning") == ["Delete the draft?"] and "Yes, delete" in labels(at)


def test_tick_enables_the_action() -> None:
    at = open_host()
    assert at.button[-1].disabled
    at.checkbox(key="sure").check()
    at.run()
    assert not at.button[-1].disabled
