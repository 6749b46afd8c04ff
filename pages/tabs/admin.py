"""The admin page's tabs: accounts (create, deactivate, unlock, reset password) and the
audit log."""

from __future__ import annotations

import streamlit as st

from core.db import Database
from core.domain import ACCOUNT_ROLE_LABELS, Role
from core.passwords import rules_text
from core.schemas import MIN_PASSWORD_LENGTH
from core.services import accounts, audit
from core.services.access import Actor
from pages import ui
from pages.components import confirm


def accounts_tab(db: Database, user: Actor) -> None:
    people = accounts.list_accounts(db, user)
    st.dataframe(  # rows as records: Streamlit makes the table
        [
            {
                "Username": a.username,
                "Name": a.display_name,
                "Role": ACCOUNT_ROLE_LABELS[a.role],
                "Active": a.active,
                "Locked": bool(a.locked_until),
                "Last login": ui.show_date(a.last_login_at.date()) if a.last_login_at else "never",
            }
            for a in people
        ],
        hide_index=True,
    )

    st.subheader("Create an account")
    with st.form("create_account"):
        left, right = st.columns(2)
        new_account = {
            "username": left.text_input("Username", max_chars=40),
            "display_name": right.text_input("Display name", max_chars=80),
            "role": left.selectbox("Role", list(Role), format_func=ACCOUNT_ROLE_LABELS.__getitem__),
            "password": right.text_input(
                f"Temporary password (at least {MIN_PASSWORD_LENGTH} characters)",
                type="password",
                help=rules_text(MIN_PASSWORD_LENGTH),
            ),
        }
        st.caption("The new user chooses their own password at first login.")
        create = st.form_submit_button("Create account", type="primary")
    if create:
        made = ui.attempt(lambda: accounts.create_account(db, user, new_account))
        if made is not None:
            ui.flash(f"Created {made.role.value} account '{made.username}'.")
            st.rerun()

    st.subheader("Change an account")
    by_id = {a.id: a for a in people}
    chosen_id = st.selectbox(
        "Account",
        list(by_id),
        index=None,
        placeholder="Choose an account",
        format_func=lambda i: f"{by_id[i].display_name} ({by_id[i].username})",
    )
    if chosen_id is not None:
        chosen = by_id[chosen_id]
        actions = st.columns(3)
        verb = "Deactivate" if chosen.active else "Reactivate"
        with actions[0]:
            confirm_active = confirm.tick(f"Confirm: {verb.lower()} {chosen.username}")
        if actions[0].button(verb, disabled=not confirm_active) and ui.attempt(
            lambda: accounts.set_active(db, user, chosen.id, not chosen.active)
        ):
            ui.flash(f"{verb}d {chosen.username}.")
            st.rerun()
        if actions[1].button("Unlock", disabled=not chosen.locked_until) and ui.attempt(
            lambda: accounts.unlock(db, user, chosen.id)
        ):
            ui.flash(f"Unlocked {chosen.username}.")
            st.rerun()
        with actions[2].form("reset_password", clear_on_submit=True):
            temporary = st.text_input(
                "New temporary password", type="password", help=rules_text(MIN_PASSWORD_LENGTH)
            )
            if st.form_submit_button("Reset password") and ui.attempt(
                lambda: accounts.reset_password(db, user, chosen.id, temporary)
            ):
                ui.flash(f"Password of {chosen.username} reset; they must change it at next login.")
                st.rerun()


def audit_log(db: Database, user: Actor) -> None:
    st.caption("Every login and every change is recorded here. The log cannot be edited.")
    columns = st.columns(5)
    action = columns[0].selectbox(
        "Action",
        audit.known_actions(db, user),
        index=None,
        placeholder="All actions",
        format_func=audit.action_label,
    )
    username = columns[1].text_input("User", placeholder="Username contains…")
    since = columns[2].date_input("From", value=None, format=ui.style().widget)
    until = columns[3].date_input("To", value=None, format=ui.style().widget)
    case_code = columns[4].text_input("Couple", placeholder="Case code, e.g. C-0042")
    events = audit.list_events(
        db, user, action=action, username=username, since=since, until=until, case_code=case_code
    )
    if events.empty:
        st.info("No audit events match these filters.")
    else:
        st.dataframe(
            audit.readable(events),
            hide_index=True,
            column_config={
                "at": st.column_config.DatetimeColumn(
                    "When (UTC)", format=f"{ui.style().widget} HH:mm:ss"
                ),
                "username": "User",
                "action": "Action",
                "entity": "Record",
                "entity_id": "Id",
                "detail": "Detail",
            },
        )
