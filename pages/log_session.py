"""Log a session: DAP note, risk check and each attending partner's ratings.

Saves a draft (editable) or saves and signs (locked; later changes are addenda).
"""

import streamlit as st

from core.domain import Attendees, NoteStatus
from core.errors import MendError
from core.formatting import plain
from core.measures import session_instruments
from core.services import sessions
from pages import ui
from pages.components import homework_review, rating_inputs, safety_banner, session_note

db = ui.database()
user = ui.current_user()
try:  # the couple, the draft, the safety banner and the homework to review: one read
    form = sessions.log_form(
        db, user, st.query_params.get("case", ""), st.query_params.get("session"), ui.local_today()
    )
except MendError as error:
    st.title("Log a session")
    st.error(plain(error))
    st.page_link("pages/caseload.py", label="Back to the caseload", icon=":material/list_alt:")
    st.stop()
couple, draft = form.couple, form.draft
if not sessions.may_record(user, couple):  # a form nobody can submit is not shown
    st.title("Log a session")
    st.info(f"Only the counsellor of {couple.case_code} logs its sessions (not while closed).")
    st.page_link("pages/caseload.py", label="Back to the caseload", icon=":material/list_alt:")
    st.stop()
if draft is not None and draft.status is NoteStatus.SIGNED:
    st.error("This note is signed and locked; add an addendum from the couple's Sessions tab.")
    st.stop()

st.title(f"{'Edit draft' if draft else 'Log a session'} · {couple.case_code}")
st.caption(f"{plain(couple.partner_names)} · week {couple.weeks_in_care(ui.local_today())} in care")
safety_banner.banner(form.concerns)
initial = draft.as_form() if draft else {}
key = f"log{couple.id}_{draft.id if draft else 'new'}"
names = {p.label: plain(p.name) for p in couple.partners}  # as markdown

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
    note = session_note.show(couple.intake_date, initial)

    st.subheader("Ratings")
    ratings: dict[str, dict[str, dict[str, float | None]]] = {}
    present = sessions.attending_labels(attendees)
    for column, label in zip(st.columns(len(present)), present, strict=True):
        with column:
            st.markdown(f"**{names[label]}** (partner {label})")
            given = initial.get("ratings", {}).get(label, {})
            ratings[label] = {
                tool.key: rating_inputs.show(f"{key}_{label}", tool, given.get(tool.key))
                for tool in session_instruments()
            }

    if form.due:
        st.subheader("Homework due for review")
    reviews = [homework_review.show(view) for view in form.due]

    save, save_and_sign = st.columns(2)
    save_draft = save.form_submit_button("Save draft", type="secondary")
    sign_now = save_and_sign.form_submit_button("Save and sign", type="primary")

if save_draft or sign_now:
    values = {**note, "attendees": attendees, "ratings": ratings}
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
        ui.flash(
            f"Session of {ui.show_date(saved.session_date)} saved"
            + (" and signed." if sign_now else " as a draft.")
            + (" Record a safety screen for the partner concerned." if saved.risk_raised else "")
        )
        st.switch_page(
            "pages/couple.py", query_params={"case": couple.case_code, "tab": "Sessions"}
        )
