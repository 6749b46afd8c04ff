"""Admin: accounts (create, deactivate, unlock, reset password), the audit log, crisis
lines and a backup download (pages/tabs/admin.py)."""

from functools import partial

import streamlit as st

from pages import ui
from pages.components import backup_download, crisis_settings, lazy
from pages.tabs import admin

db = ui.database()
user = ui.current_user()
st.title("Admin")
ui.show_flash()
# Only the open tab runs; it lives in the address (?tab=Audit+log).
lazy.tabs(
    {
        "Accounts": partial(admin.accounts_tab, db, user),
        "Audit log": partial(admin.audit_log, db, user),
        "Crisis lines": crisis_settings.show,
        "Backup": partial(backup_download.show, db, user),
    }
)
