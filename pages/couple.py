"""One couple: header, details (editable by its counsellor), status and reassignment."""

import streamlit as st

from core.domain import (
    BREACH_LABELS,
    COUPLE_STATUS_LABELS,
    PARTNER_ROLE_LABELS,
    PATTERN_LABELS,
    STATUS_TRANSITIONS,
    CoupleStatus,
    transition_verb,
)
from core.errors import ConflictError, MendError
from core.services import accounts, couples
from pages import homework_tab, progress_tab, safety_tab, sessions_tab, ui

db = ui.database()
user = ui.current_user()

case_code = st.query_params.get("case", "")
if not case_code:
    st.title("Couple")
    st.info("Open a couple from the caseload.")
    st.page_link("pages/caseload.py", label="Go to the caseload", icon=":material/list_alt:")
    st.stop()
try:
    couple = couples.find_by_case_code(db, user, case_code)
except MendError as error:
    st.title("Couple")
    st.error(str(error))
    st.page_link("pages/caseload.py", label="Back to the caseload", icon=":material/list_alt:")
    st.stop()

if flash := st.session_state.pop("flash", None):
    st.success(flash)
ui.safety_banner(db, user, couple.id)

today = ui.local_today()
st.title(f"{couple.case_code} · {couple.partner_names}")
st.caption(
    f"**{COUPLE_STATUS_LABELS[couple.status]}** · counsellor {couple.counsellor_name} · "
    f"intake {ui.show_date(couple.intake_date)} · week {couple.weeks_in_care(today)} in care · "
    f"{PATTERN_LABELS[couple.pattern].lower()}"
)
if couple.status is CoupleStatus.CLOSED and couple.closing_reason:
    st.info(f"Closed: {couple.closing_reason}")

left, right = st.columns(2)
for column, partner in zip((left, right), couple.partners, strict=True):
    pronouns = f" ({partner.pronouns})" if partner.pronouns else ""
    column.markdown(
        f"**Partner {partner.label}: {partner.name}**{pronouns}  \n"
        f"{PARTNER_ROLE_LABELS[partner.role]}"
    )
st.markdown("**What broke trust:** " + "; ".join(BREACH_LABELS[b] for b in couple.breach_types))
if couple.goals:
    st.markdown(f"**Goals:** {couple.goals}")

may_edit = couple.counsellor_id == user.id
tab_names = ["Progress", "Sessions", "Homework", "Safety"]
if may_edit:
    tab_names += ["Edit details", "Status"]
if user.sees_every_caseload:
    tab_names.append("Reassign")
tabs = dict(zip(tab_names, st.tabs(tab_names), strict=True))

with tabs["Progress"]:
    progress_tab.render(db, user, couple)
with tabs["Sessions"]:
    sessions_tab.render(db, user, couple)
with tabs["Homework"]:
    homework_tab.render(db, user, couple)
with tabs["Safety"]:
    safety_tab.render(db, user, couple)

base_key = f"base_version_{couple.id}"
st.session_state.setdefault(base_key, couple.version)

if "Edit details" in tabs:
    with tabs["Edit details"], st.form(f"edit_{couple.id}"):
        values = ui.couple_fields(f"edit{couple.id}", couple.as_form())
        save = st.form_submit_button("Save changes", type="primary")
    if save:
        try:
            saved = couples.update_couple(
                db,
                user,
                couple.id,
                values,
                expected_version=st.session_state[base_key],
                today=ui.local_today(),
            )
        except ConflictError as conflict:
            tabs["Edit details"].error(
                f"{conflict} The details at the top of this page are the saved version.",
                icon=":material/error:",
            )
            # The user has now seen the newer version; saving again applies their edit.
            st.session_state[base_key] = couple.version
        except MendError as error:
            tabs["Edit details"].error(str(error), icon=":material/error:")
        else:
            ui.forget_widgets(f"edit{couple.id}_")
            st.session_state[base_key] = saved.version
            st.session_state["flash"] = "Changes saved."
            st.rerun()

if "Status" in tabs:
    with tabs["Status"]:
        pending_key = f"pending_status_{couple.id}"
        targets = sorted(STATUS_TRANSITIONS[couple.status], key=list(CoupleStatus).index)
        with st.form(f"status_{couple.id}"):
            target = st.radio(
                "Change status to", targets, format_func=lambda t: transition_verb(couple.status, t)
            )
            reason = st.text_area("Reason (required when closing)", max_chars=1000)
            if st.form_submit_button("Continue…"):
                st.session_state[pending_key] = (target, reason)
        if pending := st.session_state.get(pending_key):
            target, reason = pending
            st.warning(
                f"{transition_verb(couple.status, target)} {couple.case_code}? "
                f"Its status changes from {COUPLE_STATUS_LABELS[couple.status].lower()} to "
                f"{COUPLE_STATUS_LABELS[target].lower()}."
            )
            confirm, cancel = st.columns(2)
            if confirm.button(
                f"Yes, {transition_verb(couple.status, target).lower()}",
                type="primary",
                key=f"confirm_status_{couple.id}",
            ):
                changed = ui.attempt(
                    lambda: couples.change_status(
                        db,
                        user,
                        couple.id,
                        {"target": target, "reason": reason},
                        expected_version=couple.version,
                    )
                )
                if changed is not None:
                    del st.session_state[pending_key]
                    st.session_state[base_key] = changed.version
                    st.session_state["flash"] = (
                        f"{couple.case_code} is now {COUPLE_STATUS_LABELS[changed.status].lower()}."
                    )
                    st.rerun()
            if cancel.button("Cancel", key=f"cancel_status_{couple.id}"):
                del st.session_state[pending_key]
                st.rerun()

if "Reassign" in tabs:
    with tabs["Reassign"]:
        directory = {
            c.id: c.display_name
            for c in accounts.counsellor_directory(db)
            if c.id != couple.counsellor_id
        }
        if not directory:
            st.info("There is no other active counsellor to take this couple.")
        else:
            with st.form(f"reassign_{couple.id}"):
                target_id = st.selectbox(
                    "Move to counsellor", list(directory), format_func=directory.__getitem__
                )
                confirmed = st.checkbox(
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
                    st.session_state["flash"] = (
                        f"{couple.case_code} now belongs to {moved.counsellor_name}."
                    )
                    st.rerun()
