"""New couple: the intake form. Bad input is explained and nothing is saved."""

import streamlit as st

from core.services import couples
from pages import ui
from pages.components import couple_form

db = ui.database()
user = ui.current_user()
st.title("New couple")
st.caption(
    "A pseudonymous case code is given on saving. Record what the couple tell you; "
    "screen each partner individually for safety at the first session."
)

with st.form("intake"):
    values = couple_form.show("intake")
    submitted = st.form_submit_button("Save intake", type="primary")

if submitted:
    created = ui.attempt(lambda: couples.create_couple(db, user, values, today=ui.local_today()))
    if created is not None:
        ui.forget_widgets("intake_")
        ui.flash(f"Saved {created.case_code}: {created.partner_names}.")
        st.switch_page("pages/couple.py", query_params={"case": created.case_code})
