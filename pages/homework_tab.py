"""The Homework tab of the couple page, and the assign form the library reuses.

`render(db, user, couple)` shows current homework, adherence per partner,
suggestions, the assign form and per-assignment actions; history last. Only the
couple's counsellor changes anything, and not while the case is closed.

Writes run in button callbacks, which Streamlit runs before the page is drawn
again, so every table in that run already shows the change. Each action
carries the assignment version the counsellor last saw (optimistic locking).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st

from core.db import Database
from core.domain import (
    ASSIGNMENT_STATUS_LABELS,
    FREQUENCY_LABELS,
    INTENDED_ROLE_LABELS,
    STEP_LABELS,
    AssignmentStatus,
    CoupleStatus,
)
from core.errors import ConflictError, MendError
from core.schemas import ANSWER_LIMIT
from core.services import exercises, homework, safety
from core.services.access import Actor
from core.services.couples import CoupleView
from core.services.exercises import ExerciseView
from core.services.homework import ConfirmationNeeded, SafetyGateError
from pages import ui

TARGETS = ("A", "B", "both")


def render(db: Database, user: Actor, couple: CoupleView) -> None:
    today = ui.local_today()
    may_edit = couple.counsellor_id == user.id and couple.status is not CoupleStatus.CLOSED
    table = homework.couple_homework(db, user, couple.id, today)
    current, history = homework.split_current(table)

    st.markdown("#### Current homework")
    if current.empty:
        st.info(
            "No homework is open. "
            + ("Assign an exercise below." if may_edit else "Only the couple's counsellor assigns.")
        )
    else:
        _homework_table(current, key=f"hw_current_{couple.id}")

    st.markdown("#### Adherence")
    _adherence(db, user, couple, today)

    if may_edit:
        st.markdown("#### Suggested next")
        _suggestions(db, user, couple, today)
        st.markdown("#### Assign homework")
        assign_form(db, user, couple, key=f"hw_assign_{couple.id}")

    if not table.empty:
        st.markdown("#### Work on an assignment" if may_edit else "#### Read an assignment")
        _assignment(db, user, couple, may_edit, today)

    st.markdown("#### History")
    if history.empty:
        st.caption("Nothing finished or skipped yet.")
    else:
        _homework_table(history, key=f"hw_history_{couple.id}")


# --- tables and figures ---


def _homework_table(frame: Any, *, key: str) -> None:
    text, dates = st.column_config.TextColumn, ui.style().widget
    config = {
        "exercise": text("Exercise"),
        "target": text("For"),
        "assigned_on": st.column_config.DateColumn("Assigned", format=dates),
        "due_on": st.column_config.DateColumn("Due", format=dates),
        "status": text("Status"),
        "overdue": st.column_config.CheckboxColumn("Overdue"),
        "completions": st.column_config.NumberColumn("Times done"),
        "personal_note": text("Note"),
        "safety_override_reason": text("Safety override"),
        "skip_reason": text("Skipped because"),
        "counsellor_comment": text("Review"),
    }
    st.dataframe(frame, hide_index=True, key=key, column_order=list(config), column_config=config)


def _adherence(db: Database, user: Actor, couple: CoupleView, today: date) -> None:
    frame = homework.couple_adherence(db, user, couple.id, today)
    columns = st.columns(len(frame))
    for column, row in zip(columns, frame.itertuples(), strict=True):
        rate = "—" if math.isnan(row.rate) else f"{row.rate:.0%}"
        column.metric(
            f"{row.name} (partner {row.partner})",
            rate,
            help=f"{row.done} of {row.expected} expected completions so far.",
        )
    st.caption(
        "Expected so far: once-only exercises count once; daily ones each day and weekly "
        "ones each started week from the assignment to the due date (or today). Skipped "
        "homework counts as not done; homework for both partners counts for each."
    )


def _suggestions(db: Database, user: Actor, couple: CoupleView, today: date) -> None:
    suggested = homework.suggestions(db, user, couple.id, today)
    if not suggested:
        st.caption("No further exercise fits this couple right now.")
        return
    for item in suggested:
        st.markdown(f"- **{item.title}** — {item.reason}")


# --- the assign form (shared with the library) ---


def assign_form(
    db: Database, user: Actor, couple: CoupleView, *, key: str, exercise: ExerciseView | None = None
) -> None:
    """Give an exercise to partner A, B or both of `couple`.

    Without `exercise`, the form offers every current exercise. A safety-gate
    refusal asks for an override reason; a role mismatch asks for confirmation.
    """
    today = ui.local_today()
    names = {partner.label: partner.name for partner in couple.partners}
    with st.form(f"{key}_form"):
        if exercise is None:
            choices = {item.id: item for item in exercises.list_exercises(db, user)}
            concern = bool(safety.open_concerns(db, user, couple.id))
            st.selectbox(
                "Exercise",
                list(choices),
                index=None,
                format_func=lambda exercise_id: _exercise_label(choices[exercise_id], concern),
                placeholder="Choose an exercise",
                key=f"{key}_exercise",
            )
        else:
            st.markdown(f"**{exercise.title}** · for {couple.case_code} ({couple.partner_names})")
        st.radio(
            "For",
            TARGETS,
            index=2,
            format_func=lambda target: homework.target_label(target, names["A"], names["B"]),
            horizontal=True,
            key=f"{key}_target",
        )
        st.date_input(
            "Due date",
            value=homework.default_due_date(db, user, couple.id, today),
            min_value=today,
            format=ui.style().widget,
            key=f"{key}_due",
        )
        st.text_area("Personal note (optional)", max_chars=1000, key=f"{key}_note")
        st.form_submit_button(
            "Assign",
            type="primary",
            on_click=_submit_assignment,
            args=(db, user, couple, key, exercise.id if exercise else None),
        )
    _assign_followup(db, user, couple, key)


def _exercise_label(item: ExerciseView, concern_open: bool) -> str:
    kind = "joint" if item.joint else INTENDED_ROLE_LABELS[item.intended_role].lower()
    gate = " · needs a safety override" if concern_open and item.gated else ""
    return f"{item.title} · {STEP_LABELS[item.repair_step]} · {kind}{gate}"


def _submit_assignment(
    db: Database, user: Actor, couple: CoupleView, key: str, exercise_id: int | None
) -> None:
    chosen = exercise_id or st.session_state.get(f"{key}_exercise")
    if chosen is None:
        st.session_state[f"{key}_state"] = {"stage": "error", "message": "Choose an exercise."}
        return
    data = {
        "exercise_id": chosen,
        "target": st.session_state[f"{key}_target"],
        "assigned_on": ui.local_today(),
        "due_on": st.session_state[f"{key}_due"],
        "personal_note": st.session_state.get(f"{key}_note", ""),
    }
    _attempt_assignment(db, user, couple, key, data, override=None, confirmed=False)


def _attempt_assignment(
    db: Database,
    user: Actor,
    couple: CoupleView,
    key: str,
    data: dict[str, Any],
    *,
    override: str | None,
    confirmed: bool,
) -> None:
    state_key = f"{key}_state"
    try:
        given = homework.assign(
            db,
            user,
            couple.id,
            data,
            confirm_role_mismatch=confirmed,
            safety_override_reason=override,
            today=ui.local_today(),
        )
    except (SafetyGateError, ConfirmationNeeded) as question:
        st.session_state[state_key] = {
            "stage": "override" if isinstance(question, SafetyGateError) else "confirm",
            "message": str(question),
            "data": data,
            "override": override,
            "confirmed": confirmed,
        }
    except MendError as error:
        st.session_state[state_key] = {"stage": "error", "message": str(error)}
    else:
        st.session_state[state_key] = {
            "stage": "done",
            "message": f"Assigned {given.exercise_title!r} to {given.target_label}, "
            f"due {ui.show_date(given.due_on)}.",
        }
        for field in ("exercise", "note", "override"):
            st.session_state.pop(f"{key}_{field}", None)


def _retry_assignment(db: Database, user: Actor, couple: CoupleView, key: str) -> None:
    """Assign again, now with the override reason or the confirmation asked for."""
    pending = st.session_state[f"{key}_state"]
    override, confirmed = pending["override"], pending["confirmed"]
    if pending["stage"] == "override":
        override = st.session_state.get(f"{key}_override", "").strip()
        if not override:
            pending["missing_reason"] = True
            return
    else:
        confirmed = True
    _attempt_assignment(
        db, user, couple, key, pending["data"], override=override, confirmed=confirmed
    )


def _cancel_assignment(key: str) -> None:
    st.session_state.pop(f"{key}_state", None)
    st.session_state.pop(f"{key}_override", None)


def _assign_followup(db: Database, user: Actor, couple: CoupleView, key: str) -> None:
    """The outcome of the last attempt: a message, or the override / confirmation step."""
    state = st.session_state.get(f"{key}_state")
    if not state:
        return
    stage = state["stage"]
    if stage in ("done", "error"):
        del st.session_state[f"{key}_state"]
        if stage == "done":
            st.success(state["message"], icon=":material/check_circle:")
        else:
            st.error(state["message"], icon=":material/error:")
        return
    retry_args = (db, user, couple, key)
    if stage == "override":
        st.error(state["message"], icon=":material/health_and_safety:")
        st.text_area(
            "Reason for the safety override (recorded on the assignment and audited)",
            max_chars=1000,
            key=f"{key}_override",
        )
        if state.get("missing_reason"):
            st.warning("Write the reason for the override first.")
        label = "Assign with override"
    else:
        st.warning(state["message"], icon=":material/help:")
        label = "Yes, assign anyway"
    go, cancel = st.columns(2)
    go.button(label, type="primary", key=f"{key}_go", on_click=_retry_assignment, args=retry_args)
    cancel.button("Cancel", key=f"{key}_cancel", on_click=_cancel_assignment, args=(key,))


# --- one assignment: its text, completions and actions ---


def _notice(key: str) -> None:
    """Show (once) the message the last action left."""
    notice = st.session_state.pop(key, None)
    if notice is None:
        return
    kind, message = notice
    if kind == "success":
        st.success(message, icon=":material/check_circle:")
    else:
        st.error(message, icon=":material/error:")


def _assignment(db: Database, user: Actor, couple: CoupleView, may_edit: bool, today: date) -> None:
    views = {view.id: view for view in homework.couple_assignments(db, user, couple.id)}
    chosen = st.selectbox(
        "Assignment",
        list(views),
        format_func=lambda assignment_id: _assignment_label(views[assignment_id]),
        key=f"hw_pick_{couple.id}",
    )
    detail = homework.assignment_detail(db, user, chosen)
    view = detail.assignment
    notice_key = f"hw_action_{view.id}"
    _notice(notice_key)
    _assignment_text(detail)
    if not may_edit:
        return
    # The version this counsellor last saw, so a change made elsewhere meanwhile is a conflict.
    target = _Target(db, user, view, notice_key, f"hw_seen_{view.id}")
    st.session_state.setdefault(target.seen_key, view.version)
    args = (target,)
    status_column, comment_column = st.columns(2)
    with status_column, st.form(f"hw_status_{view.id}"):
        st.selectbox(
            "Status",
            list(AssignmentStatus),
            index=list(AssignmentStatus).index(view.status),
            format_func=ASSIGNMENT_STATUS_LABELS.__getitem__,
            key=f"hw_status_value_{view.id}",
        )
        st.text_input("Reason (needed when skipped)", max_chars=1000, key=f"hw_skip_{view.id}")
        st.form_submit_button("Save status", on_click=_save_status, args=args)
    with comment_column, st.form(f"hw_comment_{view.id}"):
        st.text_area(
            "Review comment",
            value=view.counsellor_comment,
            max_chars=2000,
            key=f"hw_review_{view.id}",
        )
        st.form_submit_button("Save comment", on_click=_save_comment, args=args)
    with st.form(f"hw_reflection_{view.id}"):
        st.markdown("**Record a completion and the partner's reflection**")
        partners = dict(view.partners)
        st.selectbox(
            "Partner",
            list(partners),
            format_func=lambda label: f"{partners[label]} (partner {label})",
            key=f"hw_partner_{view.id}",
        )
        st.date_input(
            "Done on",
            value=today,
            min_value=min(view.assigned_on, today),
            max_value=today,
            format=ui.style().widget,
            key=f"hw_done_on_{view.id}",
        )
        for number, prompt in enumerate(view.prompts):
            st.text_area(prompt, max_chars=ANSWER_LIMIT, key=f"hw_answer_{view.id}_{number}")
        st.form_submit_button("Save reflection", on_click=_save_reflection, args=args)


def _assignment_label(view: homework.AssignmentView) -> str:
    return (
        f"{view.exercise_title} · {view.target_label} · due {ui.show_date(view.due_on)} · "
        f"{view.status_label}"
    )


def _assignment_text(detail: homework.AssignmentDetail) -> None:
    view, text = detail.assignment, detail.exercise
    st.caption(
        f"Version {text.version} of the exercise, as given on {ui.show_date(view.assigned_on)} · "
        f"{FREQUENCY_LABELS[text.frequency].lower()} · about {text.minutes} minutes · "
        f"{view.completions} completion(s)"
    )
    if view.safety_override_reason:
        st.warning(
            f"Assigned with a safety override: {view.safety_override_reason}",
            icon=":material/health_and_safety:",
        )
    if view.personal_note:
        st.markdown(f"**Note to the couple:** {view.personal_note}")
    if view.skip_reason:
        st.markdown(f"**Skipped because:** {view.skip_reason}")
    if view.counsellor_comment:
        st.markdown(f"**Review:** {view.counsellor_comment}")
    with st.expander("Exercise text as given"):
        st.markdown(text.purpose)
        st.markdown("\n".join(f"{n}. {step}" for n, step in enumerate(text.instructions, 1)))
        st.markdown("**Reflection questions**\n\n" + "\n".join(f"- {q}" for q in text.prompts))
        st.info(f"**What to look for:** {text.review_guidance}")
    for completion in detail.completions:
        with st.container(border=True):
            st.markdown(
                f"**{completion.partner_name}** (partner {completion.partner_label}) · "
                f"done {ui.show_date(completion.completed_on)}"
            )
            for prompt, answer in completion.answers.items():
                st.markdown(f"*{prompt}*  \n{answer}")


@dataclass(frozen=True)
class _Target:
    """The assignment an action button works on, and where its outcome goes."""

    db: Database
    user: Actor
    view: homework.AssignmentView
    notice_key: str
    seen_key: str  # the assignment version this counsellor last saw


def _run_action(target: _Target, action: Callable[[int], homework.AssignmentView]) -> None:
    """Run one homework change; remember the new version, or say why it was refused."""
    try:
        changed = action(st.session_state[target.seen_key])
    except ConflictError as conflict:
        # The counsellor now sees the saved state; trying again applies their change.
        latest = homework.assignment(target.db, target.user, target.view.id)
        st.session_state[target.seen_key] = latest.version
        st.session_state[target.notice_key] = ("error", str(conflict))
    except MendError as error:
        st.session_state[target.notice_key] = ("error", str(error))
    else:
        st.session_state[target.seen_key] = changed.version
        st.session_state[target.notice_key] = (
            "success",
            f"Saved: {changed.exercise_title!r} is {changed.status_label.lower()}.",
        )


def _save_status(target: _Target) -> None:
    assignment_id = target.view.id
    status = st.session_state[f"hw_status_value_{assignment_id}"]
    reason = st.session_state.get(f"hw_skip_{assignment_id}", "")
    _run_action(
        target,
        lambda version: homework.set_status(
            target.db,
            target.user,
            assignment_id,
            status,
            skip_reason=reason,
            expected_version=version,
        ),
    )


def _save_comment(target: _Target) -> None:
    comment = st.session_state.get(f"hw_review_{target.view.id}", "")
    _run_action(
        target,
        lambda version: homework.review(
            target.db, target.user, target.view.id, comment, expected_version=version
        ),
    )


def _save_reflection(target: _Target) -> None:
    view = target.view
    answer_keys = [f"hw_answer_{view.id}_{number}" for number in range(len(view.prompts))]
    answers = {
        prompt: st.session_state.get(answer_key, "")
        for prompt, answer_key in zip(view.prompts, answer_keys, strict=True)
    }
    label = st.session_state[f"hw_partner_{view.id}"]
    done_on = st.session_state[f"hw_done_on_{view.id}"]

    def record(_version: int) -> homework.AssignmentView:
        # Adding a completion changes nothing already saved, so it needs no version.
        saved = homework.record_completion(
            target.db, target.user, view.id, label, done_on, answers, today=ui.local_today()
        )
        for answer_key in answer_keys:
            st.session_state.pop(answer_key, None)
        return saved

    _run_action(target, record)
