"""An exercise in full, as the library shows it: what, for whom, how, and what to look for."""

from __future__ import annotations

import streamlit as st

from core.domain import FREQUENCY_LABELS, INTENDED_ROLE_LABELS, PHASE_LABELS, STEP_LABELS
from core.formatting import plain
from core.services.exercises import ExerciseView


def show(exercise: ExerciseView) -> None:
    kind = "Joint" if exercise.joint else "Individual"
    origin = "built in" if exercise.built_in else "custom"
    st.subheader(plain(exercise.title), anchor=False)
    st.caption(
        f"{STEP_LABELS[exercise.repair_step]} · "
        f"{INTENDED_ROLE_LABELS[exercise.intended_role]} · {kind} · "
        f"{FREQUENCY_LABELS[exercise.frequency]} · about {exercise.minutes} minutes · "
        f"{origin}, version {exercise.version}"
        + (f" · {PHASE_LABELS[exercise.phase]}" if exercise.phase else "")
    )
    if exercise.retired:
        st.warning("Retired: no longer offered for new homework.", icon=":material/archive:")
    if exercise.gated:
        st.caption(
            ":material/health_and_safety: Needs a recorded safety override while a couple has "
            "an open safety concern."
        )
    st.markdown(plain(exercise.purpose))
    st.markdown("**Instructions**")
    st.markdown("\n".join(f"{n}. {plain(step)}" for n, step in enumerate(exercise.instructions, 1)))
    st.markdown("**Reflection questions**")
    st.markdown("\n".join(f"- {plain(prompt)}" for prompt in exercise.prompts))
    st.info(f"**What to look for when reviewing:** {plain(exercise.review_guidance)}")
