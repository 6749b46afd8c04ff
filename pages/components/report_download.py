"""The couple's progress report (PDF): choose the version (clinician / supervision, for
the couple, for one partner), names on or off for the clinician version, the partner for
the one-partner version; prepare it (a spinner while the charts are drawn), download it."""

from __future__ import annotations

import streamlit as st

from core.domain import REPORT_VERSION_LABELS, ReportVersion
from core.formatting import plain
from core.services import reports
from core.services.access import Actor
from core.services.couples import CoupleView
from pages import ui
from pages.components import lazy

PREPARE = "Prepare the report"
VERSION = "Version"
NAMES = "Print the partners' names (clinician version)"
PARTNER = "Partner (one-partner version)"


def show(user: Actor, couple: CoupleView) -> None:
    key = f"report_{couple.id}"
    box = lazy.expander(
        "Progress report (PDF)", key=f"report_open_{couple.id}", icon=":material/picture_as_pdf:"
    )
    if box is None:
        return
    with box:
        with st.form(f"{key}_form", border=False):
            version = st.selectbox(
                VERSION, list(ReportVersion), format_func=REPORT_VERSION_LABELS.__getitem__
            )
            names = st.checkbox(
                NAMES,
                value=False,
                help="Off by default: the clinician version names the couple by case code.",
            )
            who = {p.label: plain(f"{p.name} (partner {p.label})") for p in couple.partners}
            partner = st.selectbox(PARTNER, list(who), format_func=who.__getitem__)
            asked = st.form_submit_button(PREPARE, icon=":material/description:")
        if asked:
            request = {
                "version": version,
                "partner": partner if version is ReportVersion.PARTNER else None,
                "with_names": names and version is ReportVersion.CLINICIAN,
            }
            with st.spinner("Drawing the charts and laying out the report…"):
                made = ui.attempt(
                    lambda: reports.progress_report(
                        ui.database(),
                        user,
                        couple.id,
                        request,
                        today=ui.local_today(),
                        reference=ui.clinic_reference(),
                    )
                )
            st.session_state[key] = made
        if made := st.session_state.get(key):
            st.download_button(
                f"Download {made.file_name}",
                made.data,
                file_name=made.file_name,
                mime=made.mime,
                icon=":material/download:",
                key=f"{key}_download",
            )
