"""Log a session: DAP note, risk check and each attending partner's ratings.

Saves a draft (editable) or saves and signs (locked; later changes are addenda).
"""

import streamlit as st

from core.domain import Attendees, Modality, NoteStatus
from core.errors import MendError
from core.measures import session_instruments
from core.services import couples, homework, sessions
from pages import ui

MODALITY_LABELS = {
    Modality.IN_PERSON: "In person",
    Modality.VIDEO: "Video",
    Modality.PHONE: "Phone",
}

REVIEW_CHOICES = {"": "Not reviewed today", "done": "Done", "skipped": "Skipped"}


def homework_review(view: homework.AssignmentView) -> dict[str, object] | None:
    """Widgets reviewing one due assignment inside the session form; None if untouched."""
    st.markdown(
        f"**{view.exercise_title}** · for {view.target_label} · due {ui.show_date(view.due_on)}"
    )
    key = f"review_{view.id}"
    outcome = st.radio(
        "Outcome",
        list(REVIEW_CHOICES),
        format_func=REVIEW_CHOICES.get,
        horizontal=True,
        key=f"{key}_status",
    )
    reason = st.text_input("If skipped: why", key=f"{key}_reason")
    answers = {
        label: {
            prompt: st.text_area(f"{name}: {prompt}", key=f"{key}_{label}_{n}")
            for n, prompt in enumerate(view.prompts)
        }
        for label, name in view.partners
    }
    comment = st.text_input("Your review comment", key=f"{key}_comment")
    if not outcome and not comment and not any(t for a in answers.values() for t in a.values()):
        return None
    return {
        "assignment_id": view.id,
        "status": outcome or None,
        "skip_reason": reason if outcome == "skipped" else None,
        "answers": answers,
        "comment": comment,
        "expected_version": view.version,
    }


db = ui.database()
user = ui.current_user()
try:
    couple = couples.find_by_case_code(db, user, st.query_params.get("case", ""))
    draft_id = st.query_params.get("session")
    draft = sessions.get_session(db, user, int(draft_id)) if draft_id else None
except (MendError, ValueError) as error:
    st.title("Log a session")
    st.error(str(error) if isinstance(error, MendError) else "That session link is not valid.")
    st.page_link("pages/caseload.py", label="Back to the caseload", icon=":material/list_alt:")
    st.stop()
if draft is not None and draft.status is NoteStatus.SIGNED:
    st.error("This note is signed and locked; add an addendum from the couple's Sessions tab.")
    st.stop()

st.title(f"{'Edit draft' if draft else 'Log a session'} · {couple.case_code}")
st.caption(f"{couple.partner_names} · week {couple.weeks_in_care(ui.local_today())} in care")
ui.safety_banner(db, user, couple.id)
initial = draft.as_form() if draft else {}
key = f"log{couple.id}_{draft.id if draft else 'new'}"
names = {p.label: p.name for p in couple.partners}

attendees = st.radio(
    "Who attended",
    list(Attendees),
    horizontal=True,
    key=f"{key}_attendees",
    index=list(Attendees).index(initial.get("attendees", Attendees.JOINT)),
    format_func=lambda a: {
        "joint": "Both (joint)",
        "a_only": f"{names['A']} only",
        "b_only": f"{names['B']} only",
    }[a.value],
)

with st.form(key):
    first, second, third = st.columns(3)
    session_date = first.date_input(
        "Session date",
        value=initial.get("session_date", ui.local_today()),
        min_value=couple.intake_date,
        max_value=ui.local_today(),
        format=ui.style().widget,
    )
    duration = second.number_input(
        "Duration (minutes)",
        min_value=5,
        max_value=300,
        step=5,
        value=initial.get("duration_minutes", 50),
    )
    modality = third.selectbox(
        "Modality",
        list(Modality),
        format_func=MODALITY_LABELS.get,
        index=list(Modality).index(initial.get("modality", Modality.IN_PERSON)),
    )
    note_data = st.text_area(
        "Data: what happened and what was said", value=initial.get("note_data", ""), height=120
    )
    note_assessment = st.text_area(
        "Assessment: your clinical impression", value=initial.get("note_assessment", ""), height=100
    )
    note_plan = st.text_area(
        "Plan: next steps and homework", value=initial.get("note_plan", ""), height=100
    )
    risk_raised = st.checkbox(
        "A safety concern was raised in this session", value=initial.get("risk_raised", False)
    )
    risk_text = st.text_area("What was raised and what you did", value=initial.get("risk_text", ""))

    st.subheader("Ratings")
    ratings: dict[str, dict[str, dict[str, float | None]]] = {}
    present = sessions.attending_labels(attendees)
    for column, label in zip(st.columns(len(present)), present, strict=True):
        with column:
            st.markdown(f"**{names[label]}** (partner {label})")
            given = initial.get("ratings", {}).get(label, {})
            ratings[label] = {
                tool.key: ui.rating_inputs(f"{key}_{label}", tool, given.get(tool.key))
                for tool in session_instruments()
            }

    due = homework.due_for_review(db, user, couple.id, ui.local_today())
    if due:
        st.subheader("Homework due for review")
    reviews = [homework_review(view) for view in due]

    save, save_and_sign = st.columns(2)
    save_draft = save.form_submit_button("Save draft", type="secondary")
    sign_now = save_and_sign.form_submit_button("Save and sign", type="primary")

if save_draft or sign_now:
    values = {
        "session_date": session_date,
        "duration_minutes": duration,
        "modality": modality,
        "attendees": attendees,
        "note_data": note_data,
        "note_assessment": note_assessment,
        "note_plan": note_plan,
        "risk_raised": risk_raised,
        "risk_text": risk_text,
        "ratings": ratings,
    }
    # Note, ratings, homework reviews and signing: one transaction, all or nothing.
    reviewed = [review for review in reviews if review is not None]
    if draft is None:
        saved = ui.attempt(
            lambda: sessions.record_session(
                db,
                user,
                couple.id,
                values,
                homework_reviews=reviewed,
                sign=sign_now,
                today=ui.local_today(),
            )
        )
    else:
        saved = ui.attempt(
            lambda: sessions.update_draft(
                db,
                user,
                draft.id,
                values,
                expected_version=draft.version,
                homework_reviews=reviewed,
                sign=sign_now,
                today=ui.local_today(),
            )
        )
    if saved is not None:
        ui.forget_widgets(key)
        st.session_state["flash"] = f"Session of {ui.show_date(saved.session_date)} saved" + (
            " and signed." if sign_now else " as a draft."
        )
        if saved.risk_raised:
            st.session_state["flash"] += " Record a safety screen for the partner concerned."
        st.switch_page("pages/couple.py", query_params={"case": couple.case_code})
