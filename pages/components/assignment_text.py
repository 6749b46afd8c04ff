"""One assignment as given: the exercise text of that version, notes and completions."""

from __future__ import annotations

import streamlit as st

from core.domain import FREQUENCY_LABELS
from core.formatting import plain, plural
from core.services import homework
from pages import ui


def label(view: homework.AssignmentView) -> str:
    """One line naming an assignment (for pickers)."""
    return (
        f"{view.exercise_title} · {view.target_label} · due {ui.show_date(view.due_on)} · "
        f"{view.status_label}"
    )


def show(detail: homework.AssignmentDetail) -> None:
    view, text = detail.assignment, detail.exercise
    st.caption(
        f"Version {text.version} of the exercise, as given on {ui.show_date(view.assigned_on)} · "
        f"{FREQUENCY_LABELS[text.frequency].lower()} · about {text.minutes} minutes · "
        + plural(view.completions, "completion")
    )
    if view.safety_override_reason:
        st.warning(
            f"Assigned with a safety override: {plain(view.safety_override_reason)}",
            icon=":material/health_and_safety:",
        )
    if view.personal_note:
        st.markdown(f"**Note to the couple:** {plain(view.personal_note)}")
    if view.skip_reason:
        st.markdown(f"**Skipped because:** {plain(view.skip_reason)}")
    if view.counsellor_comment:
        st.markdown(f"**Review:** {plain(view.counsellor_comment)}")
    with st.expander("Exercise text as given"):
        st.markdown(plain(text.purpose))
        st.markdown("\n".join(f"{n}. {plain(step)}" for n, step in enumerate(text.instructions, 1)))
        st.markdown(
            "**Reflection questions**\n\n" + "\n".join(f"- {plain(q)}" for q in text.prompts)
        )
        st.info(f"**What to look for:** {plain(text.review_guidance)}")
    for completion in detail.completions:
        with st.container(border=True):
            st.markdown(
                f"**{plain(completion.partner_name)}** (partner {completion.partner_label}) · "
                f"done {ui.show_date(completion.completed_on)}"
            )
            for prompt, answer in completion.answers.items():
                st.markdown(f"*{plain(prompt)}*  \n{plain(answer)}")
