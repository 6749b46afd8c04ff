"""A counsellor's work on one assignment: its status, a review comment, and a partner's
completion with their reflection. Each form is one versioned save (ui.save_versioned),
carrying the assignment version this counsellor last saw."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.db import Database
from core.domain import ASSIGNMENT_STATUS_LABELS, AssignmentStatus
from core.formatting import plain
from core.schemas import ANSWER_LIMIT
from core.services import homework
from core.services.access import Actor
from pages import ui


def show(
    db: Database, user: Actor, view: homework.AssignmentView, today: date
) -> homework.AssignmentView | None:
    """The three forms; the assignment as saved when one of them was saved this run."""
    seen = f"hw_seen_{view.id}"
    ui.seen_version(seen, view.version)
    status_column, comment_column = st.columns(2)
    with status_column, st.form(f"hw_status_{view.id}"):
        status = st.selectbox(
            "Status",
            list(AssignmentStatus),
            index=list(AssignmentStatus).index(view.status),
            format_func=ASSIGNMENT_STATUS_LABELS.__getitem__,
            key=f"hw_status_value_{view.id}",
        )
        reason = st.text_input(
            "Reason (needed when skipped)", max_chars=1000, key=f"hw_skip_{view.id}"
        )
        save_status = st.form_submit_button("Save status")
    with comment_column, st.form(f"hw_comment_{view.id}"):
        comment = st.text_area(
            "Review comment",
            value=view.counsellor_comment,
            max_chars=2000,
            key=f"hw_review_{view.id}",
        )
        save_comment = st.form_submit_button("Save comment")
    with st.form(f"hw_reflection_{view.id}"):
        st.markdown("**Record a completion and the partner's reflection**")
        partners = dict(view.partners)
        label = st.selectbox(
            "Partner",
            list(partners),
            format_func=lambda label: f"{partners[label]} (partner {label})",
            key=f"hw_partner_{view.id}",
        )
        done_on = st.date_input(
            "Done on",
            value=today,
            min_value=min(view.assigned_on, today),
            format=ui.style().widget,
            key=f"hw_done_on_{view.id}",
        )
        answers = {
            prompt: st.text_area(
                plain(prompt), max_chars=ANSWER_LIMIT, key=f"hw_answer_{view.id}_{n}"
            )
            for n, prompt in enumerate(view.prompts)
        }
        save_reflection = st.form_submit_button("Save reflection")

    if save_status:
        return ui.save_versioned(
            seen,
            view.version,
            lambda version: homework.set_status(
                db, user, view.id, status, skip_reason=reason, expected_version=version
            ),
        )
    if save_comment:
        return ui.save_versioned(
            seen,
            view.version,
            lambda version: homework.review(db, user, view.id, comment, expected_version=version),
        )
    if save_reflection:
        # Adding a completion changes nothing already saved, so it sends no version.
        saved = ui.save_versioned(
            seen,
            view.version,
            lambda _version: homework.record_completion(
                db, user, view.id, label, done_on, answers, today=ui.local_today()
            ),
        )
        if saved is not None:
            ui.forget_widgets(f"hw_answer_{view.id}_")
        return saved
    return None
