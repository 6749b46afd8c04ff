"""Test-only host for pages/tabs/homework.py: the Homework tab of the couple whose id
is in the `couple` query parameter, as the couple page shows it."""

import streamlit as st

from core.services import couples
from pages import ui
from pages.tabs import homework

db = ui.database()
user = ui.current_user()
couple = couples.get_couple(db, user, int(st.query_params["couple"]))
homework.render(db, user, couple)
