"""Exercise library: browse, read, add and edit custom exercises, retire, assign."""

from typing import Any

import streamlit as st

from core.domain import (
    FREQUENCY_LABELS,
    INTENDED_ROLE_LABELS,
    PHASE_LABELS,
    REPAIR_STEPS,
    STEP_LABELS,
    CoupleStatus,
)
from core.errors import ConflictError, MendError
from core.services import couples, exercises
from core.services.exercises import ExerciseView
from pages import homework_tab, ui

KINDS = {"all": "All", "joint": "Joint", "individual": "Individual"}
OPEN_STATUSES = [CoupleStatus.INTAKE, CoupleStatus.ACTIVE, CoupleStatus.PAUSED]

db = ui.database()
user = ui.current_user()
st.title("Exercise library")
st.caption(
    "Structured repair exercises for homework between sessions. An exercise keeps the text "
    "it was given with, even after it is edited."
)
if flash := st.session_state.pop("library_flash", None):
    st.success(flash)


def exercise_fields(key: str, initial: dict[str, Any] | None = None) -> dict[str, Any]:
    """The add/edit widgets (inside a form), returned in ExerciseIn's shape."""
    initial = initial or {}
    values: dict[str, Any] = {
        "title": st.text_input(
            "Title", value=initial.get("title", ""), max_chars=120, key=f"{key}_title"
        )
    }
    left, middle, right = st.columns(3)
    values["repair_step"] = _pick(
        left, "Repair step", STEP_LABELS, initial, "repair_step", "1", key
    )
    values["intended_role"] = _pick(
        middle, "Intended for", INTENDED_ROLE_LABELS, initial, "intended_role", "either", key
    )
    values["frequency"] = _pick(
        right, "Frequency", FREQUENCY_LABELS, initial, "frequency", "once", key
    )
    values["phase"] = _pick(
        left, "Recovery phase", {None: "Not set", **PHASE_LABELS}, initial, "phase", None, key
    )
    values["minutes"] = middle.number_input(
        "Minutes each time",
        min_value=1,
        max_value=240,
        value=int(initial.get("minutes", 20)),
        key=f"{key}_minutes",
    )
    values["joint"] = right.checkbox(
        "Done together (joint)", value=bool(initial.get("joint", False)), key=f"{key}_joint"
    )
    values["asks_vulnerability"] = right.checkbox(
        "Asks the hurt partner to be vulnerable",
        value=bool(initial.get("asks_vulnerability", False)),
        key=f"{key}_vulnerable",
        help="Joint and vulnerability exercises need a safety override while a concern is open.",
    )
    values["purpose"] = st.text_area(
        "Purpose", value=initial.get("purpose", ""), max_chars=2000, key=f"{key}_purpose"
    )
    values["instructions"] = st.text_area(
        "Instructions (one step per line; they are numbered for you)",
        value="\n".join(initial.get("instructions", [])),
        key=f"{key}_instructions",
    )
    values["prompts"] = st.text_area(
        "Reflection questions the client answers (one per line)",
        value="\n".join(initial.get("prompts", [])),
        key=f"{key}_prompts",
    )
    values["review_guidance"] = st.text_area(
        "What to look for when reviewing it",
        value=initial.get("review_guidance", ""),
        max_chars=2000,
        key=f"{key}_guidance",
    )
    return values


def _pick(
    column: Any,
    label: str,
    labels: dict[Any, str],
    initial: dict[str, Any],
    field: str,
    default: Any,
    key: str,
) -> Any:
    """A selectbox over `labels` (value -> text), starting at the initial value of `field`."""
    options = list(labels)
    return column.selectbox(
        label,
        options,
        index=options.index(initial.get(field, default)),
        format_func=labels.__getitem__,
        key=f"{key}_{field}",
    )


def show(exercise: ExerciseView) -> None:
    kind = "Joint" if exercise.joint else "Individual"
    origin = "built in" if exercise.built_in else "custom"
    st.subheader(exercise.title)
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
    st.markdown(exercise.purpose)
    st.markdown("**Instructions**")
    st.markdown("\n".join(f"{n}. {step}" for n, step in enumerate(exercise.instructions, 1)))
    st.markdown("**Reflection questions**")
    st.markdown("\n".join(f"- {prompt}" for prompt in exercise.prompts))
    st.info(f"**What to look for when reviewing:** {exercise.review_guidance}")


# --- browse ---
filters = st.columns([2, 2, 2, 3])
step = filters[0].selectbox(
    "Repair step",
    [None, *REPAIR_STEPS],
    format_func=lambda s: "All steps" if s is None else STEP_LABELS[s],
    key="library_step",
)
role = filters[1].selectbox(
    "Intended for",
    [None, *INTENDED_ROLE_LABELS],
    format_func=lambda r: "Anyone" if r is None else INTENDED_ROLE_LABELS[r],
    key="library_role",
)
kind = filters[2].radio(
    "Kind", list(KINDS), format_func=KINDS.__getitem__, horizontal=True, key="library_kind"
)
text = filters[3].text_input(
    "Search", placeholder="Words in the title, purpose or instructions", key="library_search"
)
show_retired = exercises.may_add(user) and st.checkbox("Show retired exercises", key="retired")

found = exercises.list_exercises(
    db,
    user,
    step=step,
    role=role,
    joint=None if kind == "all" else kind == "joint",
    text=text,
    include_retired=show_retired,
)
if not found:
    st.info(
        "No exercise matches these filters. Clear the search or choose another step or role."
        if step or role or kind != "all" or text
        else "No exercise is available: the library is empty or every exercise is retired. "
        "Built-in exercises load when the app starts; counsellors can add their own below."
    )
else:
    st.dataframe(
        exercises.library_table(found),
        hide_index=True,
        key="library_table",
        column_order=[c for c in exercises.LIBRARY_COLUMNS if c != "id"],
        column_config={
            "title": st.column_config.TextColumn("Exercise"),
            "step": st.column_config.TextColumn("Step"),
            "for": st.column_config.TextColumn("For"),
            "kind": st.column_config.TextColumn("Kind"),
            "frequency": st.column_config.TextColumn("How often"),
            "minutes": st.column_config.NumberColumn("Minutes"),
            "origin": st.column_config.TextColumn("Origin"),
        },
    )
    by_id = {exercise.id: exercise for exercise in found}
    wanted = st.query_params.get("exercise", "")
    chosen_id = st.selectbox(
        "Read an exercise",
        list(by_id),
        index=list(by_id).index(int(wanted)) if wanted.isdigit() and int(wanted) in by_id else 0,
        format_func=lambda exercise_id: by_id[exercise_id].title,
        key="library_pick",
    )
    chosen = by_id[chosen_id]
    with st.container(border=True):
        show(chosen)

    # --- edit and retire ---
    if exercises.may_edit(user, chosen):
        seen_key = f"library_seen_{chosen.id}"
        st.session_state.setdefault(seen_key, chosen.version)
        with st.expander("Edit this exercise"), st.form(f"edit_exercise_{chosen.id}"):
            st.caption("Saving adds a new version; homework already given keeps its text.")
            edited = exercise_fields(f"edit{chosen.id}", chosen.as_form())
            save = st.form_submit_button("Save new version", type="primary")
        if save:
            try:
                saved = exercises.edit_exercise(
                    db, user, chosen.id, edited, expected_version=st.session_state[seen_key]
                )
            except ConflictError as conflict:
                st.error(f"{conflict} The text shown above is the saved version.")
                st.session_state[seen_key] = chosen.version
            except MendError as error:
                st.error(str(error), icon=":material/error:")
            else:
                st.session_state[seen_key] = saved.version
                ui.forget_widgets(f"edit{chosen.id}_")
                st.session_state["library_flash"] = f"Saved version {saved.version}."
                st.rerun()

    if exercises.may_retire(user, chosen):
        pending_key = f"library_retire_{chosen.id}"
        verb = "Bring back" if chosen.retired else "Retire"
        if st.button(f"{verb}…", key=f"library_retire_ask_{chosen.id}"):
            st.session_state[pending_key] = True
        if st.session_state.get(pending_key):
            st.warning(
                f"Bring back {chosen.title!r}? It is offered for new homework again."
                if chosen.retired
                else f"Retire {chosen.title!r}? It is no longer offered for new homework; "
                "homework already given keeps it."
            )
            confirm, cancel = st.columns(2)
            if confirm.button(f"Yes, {verb.lower()}", type="primary", key=f"yes_{pending_key}"):
                changed = ui.attempt(
                    lambda: exercises.set_retired(db, user, chosen.id, not chosen.retired)
                )
                if changed is not None:
                    del st.session_state[pending_key]
                    st.session_state["library_flash"] = (
                        f"{changed.title!r} is {'retired' if changed.retired else 'back'}."
                    )
                    st.rerun()
            if cancel.button("Cancel", key=f"no_{pending_key}"):
                del st.session_state[pending_key]
                st.rerun()

    # --- assign ---
    if user.is_counsellor and not chosen.retired:
        st.subheader("Assign to a couple")
        mine = couples.caseload(db, user, today=ui.local_today(), statuses=OPEN_STATUSES)
        if mine.empty:
            st.info("You have no open couples to give homework to.")
        else:
            names = {
                row.couple_id: f"{row.case_code} · {row.partners}" for row in mine.itertuples()
            }
            couple_id = st.selectbox(
                "Couple", list(names), format_func=names.__getitem__, key="library_couple"
            )
            couple = couples.get_couple(db, user, couple_id)
            homework_tab.assign_form(
                db, user, couple, key=f"library_assign_{couple.id}_{chosen.id}", exercise=chosen
            )

# --- add ---
if exercises.may_add(user):
    with st.expander("Add a custom exercise"), st.form("add_exercise"):
        values = exercise_fields("new_exercise")
        add = st.form_submit_button("Add exercise", type="primary")
    if add:
        created = ui.attempt(lambda: exercises.create_custom(db, user, values))
        if created is not None:
            ui.forget_widgets("new_exercise_")
            st.session_state["library_flash"] = f"Added {created.title!r} to the library."
            st.query_params["exercise"] = str(created.id)
            st.session_state.pop("library_pick", None)
            st.rerun()
