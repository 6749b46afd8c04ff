"""The couple page's Homework tab: current homework, adherence per partner, suggestions,
the assign form and work on one assignment; history last. Only the couple's counsellor
changes anything, and not while the case is closed."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import streamlit as st

from core.db import Database
from core.domain import CoupleStatus
from core.services import homework
from core.services.access import Actor
from core.services.couples import CoupleView
from pages import ui
from pages.components import assign_form, assignment_actions, assignment_text


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
        assign_form.show(db, user, couple, key=f"hw_assign_{couple.id}")

    if not table.empty:
        st.markdown("#### Work on an assignment" if may_edit else "#### Read an assignment")
        _assignment(db, user, couple, may_edit, today)

    st.markdown("#### History")
    if history.empty:
        st.caption("Nothing finished or skipped yet.")
    else:
        _homework_table(history, key=f"hw_history_{couple.id}")


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


def _assignment(db: Database, user: Actor, couple: CoupleView, may_edit: bool, today: date) -> None:
    """Pick one assignment: its text as given and, for its counsellor, the actions."""
    views = {view.id: view for view in homework.couple_assignments(db, user, couple.id)}
    chosen = st.selectbox(
        "Assignment",
        list(views),
        format_func=lambda assignment_id: assignment_text.label(views[assignment_id]),
        key=f"hw_pick_{couple.id}",
    )
    detail = homework.assignment_detail(db, user, chosen)
    ui.show_flash(f"hw_action_{chosen}")
    assignment_text.show(detail)
    if may_edit and (saved := assignment_actions.show(db, user, detail.assignment, today)):
        ui.flash(
            f"Saved: {saved.exercise_title!r} is {saved.status_label.lower()}.",
            slot=f"hw_action_{chosen}",
        )
        st.rerun()
