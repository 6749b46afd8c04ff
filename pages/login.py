"""Log in. Demo installations list their demo accounts."""

import streamlit as st

from core.config import load_settings
from core.domain import READ_ONLY_LOGIN_NOTE
from core.services import accounts
from pages import ui
from pages.components import login_cookie, session_guard

st.title("Mend")
st.caption("Case management for counsellors helping couples rebuild trust.")

db = ui.database()
session_guard.show_notice()
if not db.writable:
    st.caption(READ_ONLY_LOGIN_NOTE)
with st.form("login"):
    username = st.text_input("Username", autocomplete="username")
    password = st.text_input("Password", type="password", autocomplete="current-password")
    submitted = st.form_submit_button("Log in", type="primary")

if submitted:
    logged_in = ui.attempt(lambda: accounts.log_in(db, username, password))
    if logged_in is not None:
        st.session_state[ui.USER_KEY], token = logged_in
        if token:  # none in read-only mode: a reload then asks to log in again
            login_cookie.remember(token)
        st.rerun()

if load_settings().demo_mode:
    with st.expander("Demo accounts (synthetic data only)"):
        st.table(
            {
                "Username": [a[0] for a in accounts.DEMO_ACCOUNTS],
                "Role": [a[2].value for a in accounts.DEMO_ACCOUNTS],
                "Password": [a[3] for a in accounts.DEMO_ACCOUNTS],
            }
        )
