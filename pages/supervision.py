"""Supervision: the clinic's caseload at a glance and outcomes by counsellor."""

import streamlit as st

from core import caseload_charts
from core.charts import kept
from core.services import caseload_views, progress_views
from pages import ui
from pages.components import lazy, paging, reference_note, safety_marks

db = ui.database()
user = ui.current_user()
st.title("Supervision")
st.caption(
    "Every couple in the clinic against the expected course of change; outcomes "
    "are judged at the six-month (26-week) milestone."
)

reference = ui.clinic_reference()
with st.spinner("Analysing the clinic's ratings…"):
    summary, outcomes = ui.attempt(
        lambda: caseload_views.supervision(
            db,
            user,
            today=ui.local_today(),
            reference=reference,
        )
    ) or (None, None)
if summary is None:
    st.stop()
reference_note.caption(reference)
reference_note.recompute(db, user)
if box := lazy.expander("Constants behind these statuses", key="supervision_constants_open"):
    with box:
        st.dataframe(progress_views.constants_table(reference), hide_index=True)
        st.caption("Snapshots, newest first")
        history = progress_views.reference_history(db, user)
        history["computed_at"] = history["computed_at"].map(ui.show_date)
        st.dataframe(
            history,
            hide_index=True,
            column_config={
                "id": "Snapshot",
                "computed_at": "Date",
                "computed_by": "By",
                "reason": "Why",
                "n_couples": "Couples",
                "n_ratings": "Ratings",
            },
        )
if summary.empty:
    st.info(
        "No couples yet. Counsellors record intakes on their **New couple** page; "
        "this view fills as sessions are rated."
    )
    st.stop()

instrument = (
    st.segmented_control(
        "Change on",
        ["csi4", "five_cs", "distress"],
        default="csi4",
        key="overview_instrument",
        format_func=progress_views.instrument_name,
    )
    or "csi4"
)
# Charts and tables kept with the summary: a rerun with nothing changed draws them again
# without building them again.
overview = caseload_views.kept_with(
    summary,
    ("overview", instrument),
    lambda: kept(caseload_charts.caseload_overview(summary, instrument_key=instrument)),
)
st.plotly_chart(overview, key="caseload_overview")
st.plotly_chart(
    caseload_views.kept_with(
        outcomes, "chart", lambda: kept(caseload_charts.outcomes_by_counsellor_chart(outcomes))
    ),
    key="outcomes_chart",
)
st.dataframe(
    caseload_views.kept_with(outcomes, "table", lambda: caseload_views.outcomes_table(outcomes)),
    hide_index=True,
)

st.subheader("Needs a second look")
flagged = caseload_views.needing_attention(summary)
if flagged.empty:
    st.success("No couple is flagged.")
else:
    st.dataframe(
        paging.paged(flagged, key="flagged_page"),
        hide_index=True,
        column_config={
            "case_code": "Case",
            "counsellor": "Counsellor",
            "progress_status": "Progress",
            "safety": safety_marks.column(),
            "attention_reasons": "Why",
        },
    )
