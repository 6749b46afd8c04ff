"""Exercise library: browse, read, add and edit custom exercises, retire, assign."""

import streamlit as st

from core.domain import CoupleStatus
from core.services import couples, exercises, homework
from pages import ui
from pages.components import (
    assign_form,
    confirm,
    exercise_card,
    exercise_filters,
    exercise_form,
    lazy,
)

OPEN_STATUSES = [CoupleStatus.INTAKE, CoupleStatus.ACTIVE, CoupleStatus.PAUSED]

db = ui.database()
user = ui.current_user()
st.title("Exercise library")
st.caption(
    "Structured repair exercises for homework between sessions. An exercise keeps the text "
    "it was given with, even after it is edited."
)
ui.show_flash()

# --- browse ---
chosen_filters = exercise_filters.show(offer_retired=exercises.may_add(user))
found = exercises.list_exercises(db, user, **chosen_filters)
if not found:
    st.info(
        "No exercise matches these filters. Clear the search or choose another step or role."
        if exercise_filters.narrowed(chosen_filters)
        else "No exercise is available: the library is empty or every exercise is retired. "
        "Built-in exercises load when the app starts; counsellors can add their own below."
    )
else:
    text_column = st.column_config.TextColumn
    st.dataframe(
        exercises.library_table(found),
        hide_index=True,
        key="library_table",
        column_order=[c for c in exercises.LIBRARY_COLUMNS if c != "id"],
        column_config={
            "title": text_column("Exercise"),
            "step": text_column("Step"),
            "for": text_column("For"),
            "kind": text_column("Kind"),
            "frequency": text_column("How often"),
            "minutes": st.column_config.NumberColumn("Minutes"),
            "origin": text_column("Origin"),
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
        exercise_card.show(chosen)

    # --- edit and retire ---
    # The forms run only while their section is open (most visits only read).
    if exercises.may_edit(user, chosen) and (
        box := lazy.expander("Edit this exercise", key=f"library_edit_open_{chosen.id}")
    ):
        seen_key = f"library_seen_{chosen.id}"
        ui.seen_version(seen_key, chosen.version)
        with box, st.form(f"edit_exercise_{chosen.id}"):
            st.caption("Saving adds a new version; homework already given keeps its text.")
            edited = exercise_form.show(f"edit{chosen.id}", chosen.as_form())
            save = st.form_submit_button("Save new version", type="primary")
        if save and (
            saved := ui.save_versioned(
                seen_key,
                chosen.version,
                lambda version: exercises.edit_exercise(
                    db, user, chosen.id, edited, expected_version=version
                ),
            )
        ):
            ui.forget_widgets(f"edit{chosen.id}_")
            ui.flash(f"Saved version {saved.version}.")
            st.rerun()

    if exercises.may_retire(user, chosen):
        retire = f"library_retire_{chosen.id}"
        verb = "Bring back" if chosen.retired else "Retire"
        if st.button(f"{verb}…", key=f"{retire}_ask"):
            confirm.request(retire)
        changed = confirm.ask(
            retire,
            f"Bring back {chosen.title!r}? It is offered for new homework again."
            if chosen.retired
            else f"Retire {chosen.title!r}? It is no longer offered for new homework; "
            "homework already given keeps it.",
            yes=f"Yes, {verb.lower()}",
            act=lambda: ui.attempt(
                lambda: exercises.set_retired(db, user, chosen.id, not chosen.retired)
            ),
        )
        if changed is not None:
            ui.flash(f"{changed.title!r} is {'retired' if changed.retired else 'back'}.")
            st.rerun()

    # --- assign ---
    if user.is_counsellor and not chosen.retired:
        st.subheader("Assign to a couple")
        names = couples.couple_choices(db, user, statuses=OPEN_STATUSES)
        if not names:
            st.info("You have no open couples to give homework to.")
        else:
            couple_id = st.selectbox(
                "Couple", list(names), format_func=names.__getitem__, key="library_couple"
            )
            couple = couples.get_couple(db, user, couple_id)
            key = f"library_assign_{couple.id}_{chosen.id}"
            due = homework.default_due_date(db, user, couple.id, ui.local_today())
            choices = assign_form.Choices(default_due=due, exercise=chosen)
            assign_form.show(db, user, couple, key=key, choices=choices)

# --- add ---
if exercises.may_add(user) and (
    box := lazy.expander("Add a custom exercise", key="library_add_open")
):
    with box, st.form("add_exercise"):
        values = exercise_form.show("new_exercise")
        add = st.form_submit_button("Add exercise", type="primary")
    if add and (created := ui.attempt(lambda: exercises.create_custom(db, user, values))):
        ui.forget_widgets("new_exercise_")
        ui.flash(f"Added {created.title!r} to the library.")
        st.query_params["exercise"] = str(created.id)
        st.session_state.pop("library_pick", None)
        st.rerun()
