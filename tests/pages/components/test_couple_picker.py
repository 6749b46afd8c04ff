"""pages/components/couple_picker.py: a selected row or a picked case code opens a couple."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages.homework_pages import click

HOST = """
import pandas as pd
import streamlit as st

from pages.components import couple_picker

table = pd.DataFrame({"case_code": ["C-0001", "C-0002", "C-0001"]})
selection = st.dataframe(table, on_select="rerun", selection_mode="single-row", key="t")
st.session_state["picked"] = couple_picker.show(table, selection=selection, key="host")
"""


def test_the_form_offers_each_case_code_once_and_returns_the_pick() -> None:
    at = AppTest.from_string(HOST, default_timeout=30)
    at.run()
    assert at.selectbox(key="host_case").options == ["C-0001", "C-0002"]
    assert at.session_state["picked"] is None
    at = click(at, "Open couple")  # nothing chosen: nothing opens
    assert at.session_state["picked"] is None
    at.selectbox(key="host_case").set_value("C-0002")
    at = click(at, "Open couple")
    assert at.session_state["picked"] == "C-0002"
