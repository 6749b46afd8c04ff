"""pages/components/error_boundary.py in a small host script: app.py's `guard` around a
page whose database fails before its form is drawn."""

from __future__ import annotations

import logging

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import texts

HOST = """
import streamlit as st

from core.errors import ValidationError
from pages.components import error_boundary


def page():
    fault = st.session_state.get("fault")
    if fault == "outage":
        raise ConnectionError(f"server closed the connection: {st.session_state.typed}")
    if fault == "refusal":
        raise ValidationError("That is not allowed.")
    if fault == "stop":
        st.write("stopped on purpose")
        st.stop()
    with st.form("edit"):
        st.text_input("Goals", key="goals")
        st.form_submit_button("Save")
    st.write("page drawn")


error_boundary.guard(page)
"""


def _host() -> AppTest:
    return AppTest.from_string(HOST, default_timeout=30).run()


def test_an_outage_before_the_form_is_drawn_keeps_what_was_typed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    at = _host()
    at.text_input(key="goals").set_value("Rebuild honesty about money.")
    at.session_state["fault"] = "outage"
    at.session_state["typed"] = "note text"  # a value the error carries, never logged
    with caplog.at_level(logging.ERROR, logger="mend.incidents"):
        at.button[0].click()
        at.run()
    assert not at.text_input  # the form was not reached
    (message,) = texts(at, "error")
    assert "incident id" in message and "note text" not in message
    (record,) = [r for r in caplog.records if r.name == "mend.incidents"]
    assert record.incident in message  # type: ignore[attr-defined]
    assert "ConnectionError" in record.getMessage()
    assert "note text" not in record.getMessage()

    at.session_state["fault"] = None  # the database is back
    at.run()
    assert at.text_input(key="goals").value == "Rebuild honesty about money."


def test_a_refusal_no_form_caught_is_shown_as_it_is(caplog: pytest.LogCaptureFixture) -> None:
    at = _host()
    at.session_state["fault"] = "refusal"
    with caplog.at_level(logging.ERROR, logger="mend.incidents"):
        at.run()
    assert texts(at, "error") == ["That is not allowed."]
    assert not at.exception
    assert not [r for r in caplog.records if r.name == "mend.incidents"]


def test_st_stop_passes_through_the_boundary(caplog: pytest.LogCaptureFixture) -> None:
    at = _host()
    at.session_state["fault"] = "stop"
    with caplog.at_level(logging.ERROR, logger="mend.incidents"):
        at.run()
    assert [m.value for m in at.markdown] == ["stopped on purpose"]
    assert not texts(at, "error") and not at.exception
    assert not [r for r in caplog.records if r.name == "mend.incidents"]
