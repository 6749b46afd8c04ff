"""Download buttons for the exports (CSV and Excel): the caseload's and a couple's.

The file is made when a button is clicked (a callable `data`), so the export and its
audit event happen on the click, not on every rerun."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.db import Database
from core.exports import FORMATS
from core.services import exports
from core.services.access import Actor
from core.services.couples import CoupleView
from pages import ui
from pages.components import lazy

KIND_LABELS = {"csv": "CSV", "xlsx": "Excel"}
COUPLE_EXPORTS = {"ratings": "Ratings", "sessions": "Sessions", "homework": "Homework"}


def _buttons(
    title: str, what: str, case_code: str | None, make: Callable[[], pd.DataFrame], key: str
) -> None:
    for column, kind in zip(st.columns(len(KIND_LABELS)), KIND_LABELS, strict=True):
        column.download_button(
            f"{title} ({KIND_LABELS[kind]})",
            data=lambda kind=kind: exports.encode(make(), kind, what),
            file_name=exports.file_name(what, case_code, kind, ui.local_today()),
            mime=FORMATS[kind],
            icon=":material/download:",
            key=f"{key}_{what}_{kind}",
            on_click="ignore",
        )


def caseload(db: Database, user: Actor) -> None:
    """The caseload summary of everyone the user may see (all statuses)."""
    box = lazy.expander(
        "Export the caseload", key="export_caseload_open", icon=":material/download:"
    )
    if box is None:
        return
    today, reference = ui.local_today(), ui.clinic_reference()
    with box:
        st.caption("Every couple you may see, whatever the filters: the columns are in the README.")
        _buttons(
            "Caseload",
            "caseload",
            None,
            lambda: exports.caseload(db, user, today=today, reference=reference),
            "export",
        )


def couple(db: Database, user: Actor, view: CoupleView) -> None:
    """A couple's ratings, sessions (note text only when asked) and homework."""
    today = ui.local_today()
    box = lazy.expander(
        "Export this couple's records", key=f"export_open_{view.id}", icon=":material/download:"
    )
    if box is None:
        return
    with box:
        notes = st.checkbox(
            "Include the session notes' text",
            key="export_notes",
            help="Off: dates, attendance and status only. The note text is clinical detail.",
        )
        makers: dict[str, Callable[[], pd.DataFrame]] = {
            "ratings": lambda: exports.ratings(db, user, view.id),
            "sessions": lambda: exports.sessions(db, user, view.id, include_notes=notes),
            "homework": lambda: exports.homework(db, user, view.id, today=today),
        }
        for what, make in makers.items():
            _buttons(COUPLE_EXPORTS[what], what, view.case_code, make, "export")
