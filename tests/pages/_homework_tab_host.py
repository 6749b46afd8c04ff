"""Test-only host for pages/homework_tab.py: the Homework tab of the couple whose id
is in the `couple` query parameter, as the couple page shows it."""

import streamlit as st

from core.services import couples
from pages import homework_tab, ui

db = ui.database()
user = ui.current_user()
couple = couples.get_couple(db, user, int(st.query_params["couple"]))
homework_tab.render(db, user, couple)
