"""The couple page's Homework tab: current homework, adherence per partner, suggestions,
the assign form and work on one assignment; history last. Only the couple's counsellor
changes anything, and not while the case is closed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import streamlit as st

from core.adherence import rate_text
from core.db import Database
from core.formatting import plain
from core.services import homework, progress_views
from core.services.access import Actor
from core.services.couples import CoupleView
from core.suggestions import Suggestion
from pages import ui
from pages.components import (
    assign_form,
    assignment_actions,
    assignment_text,
    lazy,
    safety_hold,
)


def render(db: Database, user: Actor, couple: CoupleView) -> None:
    today = ui.local_today()
    # The suggestions follow the couple's progress status (its Progress tab's analysis,
    # kept between runs: computed here only if that tab has not been drawn since it changed).
    status = progress_views.couple_status(
        db, user, couple.id, today=today, reference=ui.clinic_reference()
    )
    tab = homework.homework_tab(db, user, couple.id, today, progress_status=status)

    safety_hold.show(db, user, tab.assignments, may_edit=tab.may_edit, key=f"hw_hold_{couple.id}")
    st.markdown("#### Current homework")
    if tab.current.empty:
        st.info(
            "No homework is open. "
            + (
                "Assign an exercise below."
                if tab.may_edit
                else "Only the couple's counsellor assigns."
            )
        )
    else:
        _homework_table(tab.current, key=f"hw_current_{couple.id}")

    st.markdown("#### Adherence")
    _adherence(
        tab.adherence, anything_due=bool(tab.current["overdue"].any()) or not tab.history.empty
    )

    if tab.may_edit:
        st.markdown("#### Suggested next")
        _suggestions(tab.suggestions)
        st.markdown("#### Assign homework")
        choices = assign_form.Choices(
            default_due=tab.default_due, offered=tab.exercises, concern_open=tab.concern_open
        )
        assign_form.show(db, user, couple, key=f"hw_assign_{couple.id}", choices=choices)

    # Opened to act on one assignment; closed, the tab reads and draws none of it.
    title = "Work on an assignment" if tab.may_edit else "Read an assignment"
    if tab.has_homework and (
        box := lazy.expander(title, key=work_key(couple.id), icon=":material/assignment:")
    ):
        with box:
            _assignment(db, user, couple, tab, today)

    st.markdown("#### History")
    if tab.history.empty:
        st.caption("Nothing finished or skipped yet.")
    else:
        _homework_table(tab.history, key=f"hw_history_{couple.id}")


def work_key(couple_id: int) -> str:
    """The key of the section working on one assignment (open while it is True)."""
    return f"hw_work_open_{couple_id}"


def _homework_table(frame: Any, *, key: str) -> None:
    text, dates = st.column_config.TextColumn, ui.style().widget
    config = {
        "exercise": text("Exercise", pinned=True, width=180),
        "target": text("For", width=110),
        "assigned_on": st.column_config.DateColumn("Assigned", format=dates, width=85),
        "due_on": st.column_config.DateColumn("Due", format=dates, width=85),
        "status": text("Status", width=85),
        "safety": text("Safety", width=130),
        "overdue": st.column_config.CheckboxColumn("Overdue", width=65),
        "completions": st.column_config.NumberColumn("Done", width=50),
        "personal_note": text("Note", width=140),
        "safety_override_reason": text("Safety override", width=140),
        "skip_reason": text("Skipped because", width=140),
        "counsellor_comment": text("Review", width=140),
    }
    st.dataframe(frame, hide_index=True, key=key, column_order=list(config), column_config=config)


def _adherence(frame: Any, *, anything_due: bool) -> None:
    columns = st.columns(len(frame))
    for column, row in zip(columns, frame.itertuples(), strict=True):
        column.metric(
            plain(row.name),
            rate_text(row.rate, row.done, anything_due=anything_due),
            help=f"{row.done} of {row.expected} expected completions so far.",
        )
    st.caption(
        "Expected so far: once-only exercises count once; daily ones each day and weekly "
        "ones each started week from the assignment to the due date (or today). Skipped "
        "homework counts as not done; homework for both partners counts for each."
    )


def _suggestions(suggested: Sequence[Suggestion]) -> None:
    if not suggested:
        st.caption("No further exercise fits this couple right now.")
        return
    for item in suggested:
        st.markdown(f"- **{plain(item.title)}** — {plain(item.reason)}")


def _assignment(
    db: Database, user: Actor, couple: CoupleView, tab: homework.HomeworkTab, today: date
) -> None:
    """Pick one assignment: its text as given and, for its counsellor, the actions."""
    views = {view.id: view for view in tab.assignments}
    chosen = st.selectbox(
        "Assignment",
        list(views),
        format_func=lambda assignment_id: assignment_text.label(views[assignment_id]),
        key=f"hw_pick_{couple.id}",
    )
    detail = homework.assignment_detail(db, user, chosen)
    ui.show_flash(f"hw_action_{chosen}")
    assignment_text.show(detail)
    if tab.may_edit and (saved := assignment_actions.show(db, user, detail.assignment, today)):
        ui.flash(
            f"Saved: {saved.exercise_title!r} is {saved.status_label.lower()}.",
            slot=f"hw_action_{chosen}",
        )
        st.rerun()
