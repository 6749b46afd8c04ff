"""Mend: router and login gate. Logged out, only the login page exists; an address with a
check-in token (?t=...) opens the partner's check-in page and nothing else."""

from __future__ import annotations

import streamlit as st

from core.domain import ACCOUNT_ROLE_LABELS, CHECK_IN_TITLE, Role
from core.formatting import plain
from core.services import accounts
from core.services import importing as import_service
from pages import ui
from pages.components import (
    checkin_door,
    error_boundary,
    legacy_mode,
    login_cookie,
    page_reads,
    session_guard,
)

legacy_mode.routed_by_app()  # before any page: out of legacy pages/ mode, its st.navigation follows
if checkin_door.wanted():
    # A partner's phone: the tab says only "Check-in", no sidebar, no clinic, no login.
    st.set_page_config(
        page_title=CHECK_IN_TITLE,
        page_icon=":material/check_circle:",
        layout="centered",
        initial_sidebar_state="collapsed",
    )
    error_boundary.guard(st.navigation(checkin_door.pages(), position="hidden").run)
    st.stop()

st.set_page_config(page_title="Mend", page_icon=":material/spa:", layout="wide")

caseload = st.Page("pages/caseload.py", title="Caseload", icon=":material/list_alt:", default=True)
intake = st.Page("pages/intake.py", title="New couple", icon=":material/person_add:")
couple = st.Page(
    "pages/couple.py",
    title="Couple",
    icon=":material/diversity_3:",
    url_path="couple",
    visibility="hidden",
)
log_session = st.Page(
    "pages/log_session.py",
    title="Log a session",
    url_path="log_session",
    icon=":material/edit_note:",
    visibility="hidden",
)
# URL paths match the file names: the first request after a restart is resolved
# against pages/ (see pages/ui.py), and only then by st.navigation.
homework_due = st.Page(
    "pages/homework_due.py",
    title="Homework due",
    icon=":material/assignment_late:",
    url_path="homework_due",
)
library = st.Page(
    "pages/library.py", title="Exercise library", icon=":material/menu_book:", url_path="library"
)
supervision = st.Page(
    "pages/supervision.py", title="Supervision", icon=":material/insights:", url_path="supervision"
)
search = st.Page("pages/search.py", title="Search notes", icon=":material/search:")
account = st.Page("pages/account.py", title="My account", icon=":material/account_circle:")
import_couples = st.Page(
    "pages/import_couples.py",
    title="Import couples",
    icon=":material/upload_file:",
    url_path="import_couples",
)
admin = st.Page("pages/admin.py", title="Admin", icon=":material/admin_panel_settings:")


def pages_for(role: Role) -> list[st.Page]:
    pages = [caseload]
    if role is Role.COUNSELLOR:  # only counsellors record intakes and sessions
        pages += [intake, log_session]
    pages += [couple, homework_due, library, search]
    if role in (Role.SUPERVISOR, Role.ADMIN):
        pages.append(supervision)
    if role in import_service.IMPORTERS:
        pages.append(import_couples)
    if role is Role.ADMIN:
        pages.append(admin)
    pages.append(account)
    return pages


def sidebar(user: ui.Actor) -> None:
    with st.sidebar:
        st.markdown(f"**{plain(user.display_name)}**  \n{ACCOUNT_ROLE_LABELS[user.role]}")
        if st.button("Log out", icon=":material/logout:", width="stretch", key="logout"):
            accounts.log_out(ui.database(), user, token=login_cookie.token())
            session_guard.end_tab()
            st.rerun()


def login_gate(script: str = "pages/login.py", title: str = "Log in") -> list[st.Page]:
    """Logged out, every address shows the login form (or, before the first administrator
    exists, how to create one); after logging in the same address opens the page that was
    asked for (a bookmarked couple, say)."""
    aliases = [
        st.Page(script, title=title, url_path=page.url_path, visibility="hidden")
        for page in (
            intake,
            couple,
            log_session,
            homework_due,
            library,
            supervision,
            search,
            account,
            import_couples,
            admin,
        )
    ]
    front = st.Page(script, title=title, icon=":material/login:", default=True)
    return [front, *aliases]


def route() -> None:
    db = ui.database()
    error_boundary.read_only_banner(db)
    user = session_guard.signed_in_user(db)
    login_cookie.write_pending()
    if user is None and not accounts.has_active_admin(db):
        # A first start (without the demo data) serves nothing until an admin exists.
        navigation = st.navigation(login_gate("pages/first_admin.py", "Set up Mend"))
    elif user is None:
        navigation = st.navigation(login_gate())
    elif accounts.must_change_password(db, user):
        # A reset password is temporary: nothing else opens until it is changed.
        navigation = st.navigation(
            [
                st.Page(
                    "pages/account.py",
                    title="Choose a new password",
                    icon=":material/login:",
                    default=True,
                )
            ]
        )
        sidebar(user)
    else:
        navigation = st.navigation(pages_for(user.role))
        sidebar(user)
    with page_reads.audited(navigation, user):  # one audit event per couple read
        navigation.run()


# The one error boundary: no traceback reaches the browser, whatever a page raises.
error_boundary.guard(route)
