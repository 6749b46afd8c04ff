"""The couple page's Progress tab: status, trend charts, milestones, CSV."""

from __future__ import annotations

import streamlit as st

from core.db import Database
from core.formatting import plain
from core.measures import INSTRUMENTS
from core.progress import TRACKED
from core.services import exports, progress_views
from core.services.access import Actor
from core.services.couples import CoupleView
from pages import ui
from pages.components import lazy, reference_note, report_download, safety_marks

STATUS_STYLE = {
    "recovered": "green",
    "improved": "green",
    "on track": "blue",
    "not on track": "orange",
    "deteriorated": "red",
    "too early": "gray",
    "no ratings": "gray",
}
# Besides each measure's trend (the options named by the measure), one chart each.
PROFILE, ADHERENCE = "five_cs_profile", "adherence"
CHART_LABELS = {PROFILE: "Five C's profile", ADHERENCE: "Homework adherence"}
CHART_HELP = (
    "One chart at a time: a measure's trend for each partner against the expected range, "
    "each partner's five C's at the first and the latest rating, or homework done by week."
)


def render(db: Database, user: Actor, couple: CoupleView) -> None:
    reference = ui.clinic_reference()
    result = progress_views.couple_progress(
        db,
        user,
        couple.id,
        today=ui.local_today(),
        reference=reference,
        analysing=lambda: st.spinner("Analysing ratings…"),  # only when not kept
    )
    colour = STATUS_STYLE.get(result.status, "gray")
    # An open safety concern stands beside the status, whatever the status says.
    safety_marks.for_couple(
        db,
        user,
        couple.id,
        lead=lambda: st.markdown(f"### :{colour}[{result.status.capitalize()}]"),
    )
    st.markdown(plain(result.reason))  # it names the partners
    if result.asymmetry:
        st.warning(
            f"Partners are moving differently: {plain(result.asymmetry)}",
            icon=":material/compare_arrows:",
        )
    report_download.show(user, couple)
    # A trauma screen alone (PC-PTSD-5, not tracked here) is no rating to chart.
    keys = [k for k in TRACKED if k in set(result.ratings["instrument"])]
    if not keys:
        st.info(
            "No ratings yet. Log a session with each partner's ratings; the charts "
            "start from the first one."
        )
        return
    homework_given = not result.adherence_by_week.empty
    options = keys + [PROFILE] * ("five_cs" in keys) + [ADHERENCE] * homework_given
    # One chart drawn at a time (each one costs the browser its drawing on every visit).
    chosen = (
        st.segmented_control(
            "Chart",
            options,
            default=keys[0],
            format_func=lambda k: CHART_LABELS.get(k) or INSTRUMENTS[k].short_name,
            key=f"progress_chart_{couple.id}",
            help=CHART_HELP,
        )
        or keys[0]
    )
    # Built once per what they draw (kept for the couples viewed lately).
    measure = chosen if chosen in keys else keys[0]
    figures = progress_views.progress_charts(db, result, measure, reference=reference)
    if chosen == PROFILE and figures.five_cs is not None:
        st.plotly_chart(figures.five_cs, key=f"five_cs_{couple.id}")
    elif chosen == ADHERENCE and figures.adherence is not None:
        st.plotly_chart(figures.adherence, key=f"adherence_{couple.id}")
    else:
        st.plotly_chart(figures.trend, key=f"trend_{couple.id}")
    if not homework_given:
        st.caption("No homework given yet, so there is no adherence to chart.")
    st.subheader("Milestones")
    st.dataframe(progress_views.milestone_table(result), hide_index=True)
    reference_note.caption(reference)
    if box := lazy.expander("Constants behind these figures", key=f"constants_open_{couple.id}"):
        with box:
            st.dataframe(progress_views.constants_table(reference), hide_index=True)
    st.download_button(  # made on the click, and audited as an export then
        "Download chart data (CSV)",
        data=lambda: exports.chart_data(
            db, user, couple.id, today=ui.local_today(), reference=reference
        ),
        file_name=f"{couple.case_code}-ratings.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
