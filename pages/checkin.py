"""A partner's check-in through their private link (no account): this week's questions,
their own open homework, and their own progress if the counsellor turned it on. The
browser tab says only "Check-in"; every run re-checks the token, so a revoked or expired
link stops working at the next click in an open tab."""

import streamlit as st

from core.domain import CHECK_IN_TITLE
from core.formatting import plain
from core.measures import INSTRUMENTS
from core.services import partner_checkins
from pages import ui
from pages.components import checkin_door, checkin_form, checkin_homework

# Phone first: larger text and tap targets.
st.html(
    "<style>"
    ".stApp p, .stApp label, .stApp input, .stApp textarea {font-size: 1.05rem;}"
    ".stApp button {min-height: 3rem;}"
    "</style>"
)
db = ui.database()
today = ui.local_today()
token = checkin_door.token()
address = checkin_door.address()
checkin_door.exit_button()

try:
    view = partner_checkins.partner_view(
        db,
        token,
        address=address,
        today=today,
        audit_use=not st.session_state.get("check_in_opened"),
    )
except partner_checkins.CheckInRefused as refused:
    st.title(CHECK_IN_TITLE, anchor=False)
    st.info(str(refused), icon=":material/info:")
    st.stop()
st.session_state["check_in_opened"] = True

st.title(f"Hello {plain(view.first_name)}", anchor=False)
st.caption("Your answers go to your counsellor only.")
st.subheader("This week", anchor=False)
checkin_form.show(db, token, view, address=address, today=today)
checkin_homework.show(db, token, view, address=address, today=today)

if view.progress is not None and not view.progress.empty:
    st.subheader("Your answers over time", anchor=False)
    for key, rows in view.progress.groupby("instrument", sort=False):
        st.caption(INSTRUMENTS[str(key)].name)
        st.line_chart(rows.set_index("measured_on")["total"], height=180)
