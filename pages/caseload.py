"""Caseload: every couple the user may see, with progress and what needs attention."""

import streamlit as st

from core.domain import COUPLE_STATUS_LABELS, CoupleStatus
from core.formatting import plural
from core.services import accounts, caseload_views, sessions
from pages import ui
from pages.components import couple_picker, export_buttons, lazy, paging, safety_marks

SORTS = {"Needs attention first": "attention", "Case code": "case_code"}

db = ui.database()
user = ui.current_user()
st.title("Caseload")

unsigned = sessions.unsigned_notes(db, user, today=ui.local_today())
if unsigned and (
    box := lazy.expander(
        f":orange[{plural(len(unsigned), 'unsigned note')} older than "
        f"{sessions.UNSIGNED_AFTER_DAYS} days]",
        key="unsigned_notes_open",
        expanded=len(unsigned) <= 5,
    )
):
    with box:
        for note in unsigned:
            st.page_link(
                "pages/log_session.py",
                icon=":material/edit_note:",
                label=f"{note.case_code} · session of {ui.show_date(note.session_date)}"
                f" · {note.days_unsigned} days unsigned",
                query_params={"case": note.case_code, "session": str(note.session_id)},
            )

filters = st.columns([2, 2, 2, 2] if user.sees_every_caseload else [2, 2, 3])
statuses = filters[0].multiselect(
    "Status",
    list(CoupleStatus),
    format_func=COUPLE_STATUS_LABELS.__getitem__,
    default=[CoupleStatus.INTAKE, CoupleStatus.ACTIVE, CoupleStatus.PAUSED],
    key="status_filter",
)
counsellor_ids: list[int] = []
if user.sees_every_caseload:
    directory = accounts.counsellor_names(db)
    counsellor_ids = filters[1].multiselect(
        "Counsellor",
        list(directory),
        format_func=directory.__getitem__,
        placeholder="All counsellors",
        key="counsellor_filter",
    )
search = filters[-2].text_input(
    "Search", placeholder="Case code or partner name", key="caseload_search"
)
sort = filters[-1].selectbox("Sort", list(SORTS), key="caseload_sort")

caseload = caseload_views.sorted_caseload_view(
    db,
    user,
    today=ui.local_today(),
    reference=ui.clinic_reference(),
    sort=SORTS[sort],
    statuses=statuses,
    counsellor_ids=counsellor_ids,
    search=search,
    # Only while rows are rebuilt (a first view, a new day): a kept caseload is quick.
    rebuilding=lambda count: st.spinner(f"Analysing {plural(count, 'couple')}…"),
)

if caseload.empty and not caseload_views.has_couples(db, user):
    if user.is_counsellor:
        st.info(
            "Your caseload is empty. Start with **New couple** to record an intake: both "
            "partners, what broke trust and each partner's role. Screen each partner "
            "individually for safety at the first session.",
            icon=":material/waving_hand:",
        )
        st.page_link("pages/intake.py", label="Record a new couple", icon=":material/person_add:")
    else:
        st.info(
            "No couples are recorded in this clinic yet. Counsellors add couples from their "
            "**New couple** page.",
            icon=":material/waving_hand:",
        )
    st.stop()
if caseload.empty:
    st.info("No couples match these filters. Clear the search or choose more statuses.")
    st.stop()

export_buttons.caseload(db, user)
st.caption(f"{plural(len(caseload), 'couple')}. Select a row to open the couple.")
table = paging.paged(caseload, key="caseload_page")
shown = [
    c for c in caseload_views.CASELOAD_VIEW_COLUMNS if c != "counsellor" or user.sees_every_caseload
]
selection = st.dataframe(
    table[shown],  # only these go to the browser (a row holds some thirty columns)
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="caseload_table",
    column_order=shown,
    column_config={
        "case_code": st.column_config.TextColumn("Case", pinned=True, width=62),
        "partners": st.column_config.TextColumn("Partners", width=110),
        "counsellor": st.column_config.TextColumn("Counsellor"),
        "status": st.column_config.TextColumn("Status", width=58),
        "progress_status": st.column_config.TextColumn(
            "Progress",
            width=85,
            help="Against the expected course to six months; open the couple for the reason",
        ),
        "safety": safety_marks.column(),
        "attention_reasons": st.column_config.TextColumn("Needs attention because", width=215),
        "overdue_homework": st.column_config.NumberColumn("Overdue", width=65),
        "unsigned_notes": st.column_config.NumberColumn("Unsigned", width=70),
        "weeks_in_care": st.column_config.NumberColumn("Weeks", width=52),
        "last_session": st.column_config.DateColumn(
            "Last session", format=ui.style().widget, width=90
        ),
        "sessions": st.column_config.NumberColumn("Sessions", width=65),
        "new_check_ins": st.column_config.NumberColumn(
            "New check-ins", help="Check-ins since you last looked at the couple's page", width=80
        ),
    },
)
if case := couple_picker.show(table, selection=selection, key="caseload"):
    st.switch_page("pages/couple.py", query_params={"case": case})
