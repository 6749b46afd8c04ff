"""One couple: header, then the tabs (pages/tabs/): progress, sessions, homework, safety,
and for its counsellor edit details and status; for supervisors, reassign."""

from functools import partial

import streamlit as st

from core.domain import (
    BREACH_LABELS,
    COUPLE_STATUS_LABELS,
    PARTNER_ROLE_LABELS,
    PATTERN_LABELS,
    CoupleStatus,
)
from core.errors import MendError
from core.formatting import plain
from core.services import couples
from core.services import safety as safety_service
from pages import ui
from pages.components import (
    case_viewers,
    checkin_links,
    export_buttons,
    lazy,
    safety_banner,
    safety_marks,
)
from pages.tabs import details, homework, progress, safety, sessions

TAB_PARAM = "tab"
db = ui.database()
user = ui.current_user()

case_code = st.query_params.get("case", "")
if not case_code:
    st.title("Couple")
    st.info("Open a couple from the caseload.")
    st.page_link("pages/caseload.py", label="Go to the caseload", icon=":material/list_alt:")
    st.stop()
try:
    couple = couples.find_by_case_code(db, user, case_code)
except MendError as error:
    st.title("Couple")
    st.error(plain(error))  # it quotes the address's case code
    st.page_link("pages/caseload.py", label="Back to the caseload", icon=":material/list_alt:")
    st.stop()

ui.show_flash()
concerns, follow_ups = safety_service.marks(db, user, couple.id)  # the banner and the badges
safety_banner.banner(concerns)

today = ui.local_today()
# No anchor: a heading anchor would put the partners' names into the address.
st.title(f"{couple.case_code} · {plain(couple.partner_names)}", anchor=False)
st.caption(
    f"**{COUPLE_STATUS_LABELS[couple.status]}** · counsellor {plain(couple.counsellor_name)} · "
    f"intake {ui.show_date(couple.intake_date)} · week {couple.weeks_in_care(today)} in care · "
    f"{PATTERN_LABELS[couple.pattern].lower()}"
)
safety_marks.row(concerns, follow_ups)
if couple.status is CoupleStatus.CLOSED and couple.closing_reason:
    st.info(f"Closed: {plain(couple.closing_reason)}")

left, right = st.columns(2)
for column, partner in zip((left, right), couple.partners, strict=True):
    pronouns = f" ({plain(partner.pronouns)})" if partner.pronouns else ""
    column.markdown(
        f"**Partner {partner.label}: {plain(partner.name)}**{pronouns}  \n"
        f"{PARTNER_ROLE_LABELS[partner.role]}"
    )
st.markdown("**What broke trust:** " + "; ".join(BREACH_LABELS[b] for b in couple.breach_types))
if couple.goals:
    st.markdown(f"**Goals:** {plain(couple.goals)}")
tabs = {
    "Progress": progress.render,
    "Sessions": sessions.render,
    "Homework": homework.render,
    "Safety": safety.render,
    "Check-ins": checkin_links.render,
}
if couple.counsellor_id == user.id:
    tabs |= {"Edit details": details.edit, "Status": details.status}
if user.sees_every_caseload:
    tabs["Reassign"] = details.reassign
# Only the open tab runs; it lives in the address (?tab=Homework).
lazy.tabs(
    {label: partial(render, db, user, couple) for label, render in tabs.items()}, key=TAB_PARAM
)
export_buttons.couple(db, user, couple)
case_viewers.show(db, user, couple)
