"""Give an exercise to partner A, B or both of a couple: a small state machine.

    idle     --Assign--> new --homework.assign--> idle | refused | override | confirm
    override --reason, "Assign with override"--> new     (no reason: asks for one)
    confirm  --"Yes, assign anyway"--> new;   override, confirm --Cancel--> idle
Success flashes its message, a refusal shows once. Transitions run in button callbacks,
before the page is drawn again, so the tables above already show a new assignment."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core.db import Database
from core.errors import MendError
from core.formatting import plain
from core.services import homework
from core.services.access import Actor
from core.services.couples import CoupleView
from core.services.homework import ConfirmationNeeded, SafetyGateError
from pages import ui
from pages.components import exercise_picker
from pages.components.assign_state import Choices, State


def show(
    db: Database, user: Actor, couple: CoupleView, *, key: str, choices: Choices
) -> State | None:
    """The form (offering `choices.offered` unless one exercise is given), then the step
    it waits for."""
    today = ui.local_today()
    exercise = choices.exercise
    names = {partner.label: partner.name for partner in couple.partners}
    with st.form(f"{key}_form"):
        if exercise is None:
            exercise_picker.show(choices.offered, choices.concern_open, key=f"{key}_exercise")
        else:
            st.markdown(
                f"**{plain(exercise.title)}** · for {couple.case_code} "
                f"({plain(couple.partner_names)})"
            )
        st.radio(
            "For",
            ("A", "B", "both"),
            index=2,
            format_func=lambda target: plain(homework.target_label(target, names["A"], names["B"])),
            horizontal=True,
            key=f"{key}_target",
        )
        st.date_input(
            "Due date",
            value=max(choices.default_due, today),
            min_value=today,
            format=ui.style().widget,
            key=f"{key}_due",
        )
        st.text_area("Personal note (optional)", max_chars=1000, key=f"{key}_note")
        args = (db, user, couple, key, exercise.id if exercise else None)
        st.form_submit_button("Assign", type="primary", on_click=_submit, args=args)
    ui.show_flash(key)
    return _step(db, user, couple, key)


def _submit(db: Database, user: Actor, couple: CoupleView, key: str, given: int | None) -> None:
    chosen = given or st.session_state.get(f"{key}_exercise")
    if chosen is None:
        st.session_state[f"{key}_state"] = State("refused", "Choose an exercise.")
        return
    data = {
        "exercise_id": chosen,
        "target": st.session_state[f"{key}_target"],
        "assigned_on": ui.local_today(),
        "due_on": st.session_state[f"{key}_due"],
        "personal_note": st.session_state.get(f"{key}_note", ""),
    }
    _assign(db, user, couple, key, State("new", "", data))


def _assign(db: Database, user: Actor, couple: CoupleView, key: str, asked: State) -> None:
    """Try `asked` (its data, override and confirmation): the next state, or idle."""
    try:
        given = homework.assign(
            db,
            user,
            couple.id,
            asked.data,
            confirm_role_mismatch=asked.confirmed,
            safety_override_reason=asked.override,
            today=ui.local_today(),
        )
    except (SafetyGateError, ConfirmationNeeded) as question:
        stage = "override" if isinstance(question, SafetyGateError) else "confirm"
        st.session_state[f"{key}_state"] = replace(asked, stage=stage, message=str(question))
    except MendError as error:
        st.session_state[f"{key}_state"] = State("refused", str(error))
    else:
        for name in ("state", "exercise", "note", "override"):
            st.session_state.pop(f"{key}_{name}", None)
        due = ui.show_date(given.due_on)
        message = f"Assigned {given.exercise_title!r} to {given.target_label}, due {due}."
        ui.flash(message, slot=key)


def _answer(db: Database, user: Actor, couple: CoupleView, key: str) -> None:
    """Assign again, now with the override reason or the confirmation asked for."""
    state: State = st.session_state[f"{key}_state"]
    if state.stage == "confirm":
        _assign(db, user, couple, key, replace(state, confirmed=True))
    elif reason := st.session_state.get(f"{key}_override", "").strip():
        _assign(db, user, couple, key, replace(state, override=reason, missing_reason=False))
    else:
        state.missing_reason = True


def _step(db: Database, user: Actor, couple: CoupleView, key: str) -> State | None:
    """Show a refusal once, or the override / confirmation step. Cancel drops the state
    (and the override reason with it: its widget is no longer drawn)."""
    state: State | None = st.session_state.get(f"{key}_state")
    if state is None or state.stage == "refused":
        if st.session_state.pop(f"{key}_state", None):  # a refusal shows once
            st.error(plain(state.message), icon=":material/error:")
        return state
    if state.stage == "override":
        st.error(plain(state.message), icon=":material/health_and_safety:")
        st.text_area(
            "Reason for the safety override (recorded on the assignment and audited)",
            max_chars=1000,
            key=f"{key}_override",
        )
        if state.missing_reason:
            st.warning("Write the reason for the override first.")
    else:
        st.warning(plain(state.message), icon=":material/help:")
    label = "Assign with override" if state.stage == "override" else "Yes, assign anyway"
    go, cancel = st.columns(2)
    args = (db, user, couple, key)
    go.button(label, type="primary", key=f"{key}_go", on_click=_answer, args=args)
    cancel.button(
        "Cancel", key=f"{key}_cancel", on_click=st.session_state.pop, args=(f"{key}_state",)
    )
    return state
