"""The couple page's own-case tabs: edit details and change status (the couple's
counsellor), and reassign (supervisors and admins)."""

from __future__ import annotations

import streamlit as st

from core.db import Database
from core.domain import COUPLE_STATUS_LABELS, STATUS_TRANSITIONS, CoupleStatus, transition_verb
from core.services import accounts, couples
from core.services.access import Actor
from core.services.couples import CoupleView
from pages import ui
from pages.components import confirm, couple_form


def seen_key(couple: CoupleView) -> str:
    """Where the couple version this user last saw is kept."""
    return f"base_version_{couple.id}"


def edit(db: Database, user: Actor, couple: CoupleView) -> None:
    ui.seen_version(seen_key(couple), couple.version)
    with st.form(f"edit_{couple.id}"):
        values = couple_form.show(f"edit{couple.id}", couple.as_form())
        save = st.form_submit_button("Save changes", type="primary")
    if save and ui.save_versioned(
        seen_key(couple),
        couple.version,
        lambda version: couples.update_couple(
            db,
            user,
            couple.id,
            values,
            expected_version=version,
            today=ui.local_today(),
        ),
    ):
        ui.forget_widgets(f"edit{couple.id}_")
        ui.flash("Changes saved.")
        st.rerun()


def status(db: Database, user: Actor, couple: CoupleView) -> None:
    key = f"status_{couple.id}"
    targets = sorted(STATUS_TRANSITIONS[couple.status], key=list(CoupleStatus).index)
    with st.form(key):
        target = st.radio(
            "Change status to", targets, format_func=lambda t: transition_verb(couple.status, t)
        )
        reason = st.text_area("Reason (required when closing)", max_chars=1000)
        if st.form_submit_button("Continue…"):
            confirm.request(key, (target, reason))
    if not (pending := confirm.pending(key)):
        return
    target, reason = pending
    verb = transition_verb(couple.status, target)
    changed = confirm.ask(
        key,
        f"{verb} {couple.case_code}? Its status changes from "
        f"{COUPLE_STATUS_LABELS[couple.status].lower()} to "
        f"{COUPLE_STATUS_LABELS[target].lower()}.",
        yes=f"Yes, {verb.lower()}",
        act=lambda: ui.attempt(
            lambda: couples.change_status(
                db,
                user,
                couple.id,
                {"target": target, "reason": reason},
                expected_version=couple.version,
            )
        ),
    )
    if changed is not None:
        st.session_state[seen_key(couple)] = changed.version
        ui.flash(f"{couple.case_code} is now {COUPLE_STATUS_LABELS[changed.status].lower()}.")
        st.rerun()


def reassign(db: Database, user: Actor, couple: CoupleView) -> None:
    directory = {
        counsellor_id: name
        for counsellor_id, name in accounts.counsellor_names(db).items()
        if counsellor_id != couple.counsellor_id
    }
    if not directory:
        st.info("There is no other active counsellor to take this couple.")
        return
    with st.form(f"reassign_{couple.id}"):
        target_id = st.selectbox(
            "Move to counsellor", list(directory), format_func=directory.__getitem__
        )
        confirmed = confirm.tick(
            f"I confirm {couple.case_code} moves from "
            f"{couple.counsellor_name} to the chosen counsellor"
        )
        move = st.form_submit_button("Reassign", type="primary")
    if move and not confirmed:
        st.error("Tick the confirmation to reassign this couple.")
    elif move:
        moved = ui.attempt(
            lambda: couples.reassign(
                db, user, couple.id, target_id, expected_version=couple.version
            )
        )
        if moved is not None:
            ui.flash(f"{couple.case_code} now belongs to {moved.counsellor_name}.")
            st.rerun()
