"""Homework due: everything overdue or due this week across the user's caseload."""

from datetime import timedelta

import streamlit as st

from core.formatting import plural
from core.services import homework
from pages import ui
from pages.components import couple_picker, paging

db = ui.database()
user = ui.current_user()
today = ui.local_today()
st.title("Homework due")

# A page at a time, cut in SQL: a clinic's supervisor has thousands due (7,500 at 20,000
# couples).
PAGE_KEY = "homework_due_page"
due = homework.homework_due(db, user, today, paging.chosen(PAGE_KEY))
if not due.total:
    st.info(
        "Nothing is overdue or due in the next 7 days. Give a couple homework from the "
        "**Homework** tab of their page or from the **Exercise library**; it shows here "
        "once its due date is within a week.",
        icon=":material/task_alt:",
    )
    st.stop()

horizon = today + timedelta(days=homework.DUE_SOON_DAYS)
st.caption(
    f"{plural(due.total, 'open assignment')} overdue or due by {ui.show_date(horizon)}. "
    "Select a row to open the couple."
)
paging.picker(
    key=PAGE_KEY,
    number=due.number,
    pages=due.pages,
    caption=paging.span(due, "assignments", "Earliest due first."),
)
table = due.rows
selection = st.dataframe(
    table,
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="homework_due_table",
    column_order=[
        c
        for c in homework.DUE_COLUMNS
        if c not in ("assignment_id", "couple_id")
        and (c != "counsellor" or user.sees_every_caseload)
    ],
    column_config={
        "case_code": st.column_config.TextColumn("Case"),
        "partners": st.column_config.TextColumn("Partners"),
        "counsellor": st.column_config.TextColumn("Counsellor"),
        "exercise": st.column_config.TextColumn("Exercise"),
        "target": st.column_config.TextColumn("For"),
        "due_on": st.column_config.DateColumn("Due", format=ui.style().widget),
        "status": st.column_config.TextColumn("Status"),
        "overdue": st.column_config.CheckboxColumn("Overdue"),
    },
)
if case := couple_picker.show(table, selection=selection, key="homework_due"):
    st.switch_page("pages/couple.py", query_params={"case": case, "tab": "Homework"})
