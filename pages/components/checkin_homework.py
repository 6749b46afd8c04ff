"""The partner's own open homework on their check-in page: the exercise's instructions
and reflection prompts, and "done" (with answers) or "skipped" (with a reason)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.db import Database
from core.formatting import plain
from core.services import partner_checkins
from pages import ui

OUTCOMES = {"I did it": True, "I skipped it": False}


def _one(
    db: Database, token: str, item: partner_checkins.LinkHomework, address: str | None, today: date
) -> None:
    with st.expander(plain(item.title), expanded=True, icon=":material/assignment:"):
        st.caption(f"Due {ui.show_date(item.due_on)}")
        if item.purpose:
            st.markdown(plain(item.purpose))
        st.markdown("\n".join(f"{n}. {plain(step)}" for n, step in enumerate(item.instructions, 1)))
        with st.form(f"reflection_{item.assignment_id}", border=False):
            outcome = st.radio(
                "How did it go?", list(OUTCOMES), index=None, key=f"outcome_{item.assignment_id}"
            )
            answers = {
                prompt: st.text_area(prompt, key=f"answer_{item.assignment_id}_{n}", height=90)
                for n, prompt in enumerate(item.prompts)
            }
            reason = st.text_input(
                "If you skipped it: why, in a few words", key=f"skip_{item.assignment_id}"
            )
            sent = st.form_submit_button("Save", width="stretch")
    if not sent:
        return
    if outcome is None:
        st.error("Choose whether you did it or skipped it.", icon=":material/error:")
        return
    done = OUTCOMES[outcome]
    saved = ui.attempt(
        lambda: (
            partner_checkins.submit_reflection(
                db,
                token,
                {
                    "assignment_id": item.assignment_id,
                    "done": done,
                    "answers": {k: v for k, v in answers.items() if v.strip()} if done else {},
                    "skip_reason": None if done else reason,
                },
                address=address,
                today=today,
            )
            or True
        )
    )
    if saved:
        ui.flash("Saved. Thank you.", slot="check_in")
        st.rerun()


def show(
    db: Database,
    token: str,
    view: partner_checkins.PartnerView,
    *,
    address: str | None,
    today: date,
) -> None:
    st.subheader("Your exercises", anchor=False)
    ui.show_flash("check_in")
    if not view.homework:
        st.caption("Nothing open right now.")
    for item in view.homework:
        _one(db, token, item, address, today)
