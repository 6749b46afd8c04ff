"""My account: change one's own password (required after an admin reset)."""

import streamlit as st

from core.formatting import plain
from core.passwords import rules_text
from core.schemas import MIN_PASSWORD_LENGTH
from core.services import accounts
from pages import ui

db = ui.database()
user = ui.current_user()
st.title("My account")
ui.show_flash()
st.markdown(f"**{plain(user.display_name)}** · username {plain(user.username)} · {user.role.value}")
if accounts.must_change_password(db, user):
    st.warning("Your password was set by an administrator. Choose your own to continue.")

with st.form("change_password", clear_on_submit=True):
    current = st.text_input("Current password", type="password")
    new = st.text_input(
        f"New password (at least {MIN_PASSWORD_LENGTH} characters)",
        type="password",
        help=rules_text(MIN_PASSWORD_LENGTH),
    )
    repeat = st.text_input("Repeat the new password", type="password")
    submitted = st.form_submit_button("Change password", type="primary")

if submitted:
    if new != repeat:
        st.error("The two new passwords differ; nothing was changed.")
    elif ui.attempt(lambda: accounts.change_own_password(db, user, current, new)):
        ui.flash("Password changed.")
        st.rerun()
