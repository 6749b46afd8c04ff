"""The Admin page's backup download: the whole database in one file, made on the click
(and audited then), restorable with `python -m core.cli restore FILE`."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from core.db import Database
from core.services import backups
from core.services.access import Actor


def show(db: Database, user: Actor) -> None:
    st.markdown(
        "Every table, the audit log included, in one compressed file with the schema "
        "version and a checksum. It holds every couple's clinical record: keep it as "
        "safely as the database itself. Restore it into a new, empty database (SQLite or "
        "PostgreSQL) with `python -m core.cli restore FILE`."
    )
    st.download_button(
        "Download a backup",
        data=lambda: backups.download_backup(db, user),
        file_name=f"mend-backup-{datetime.now(UTC):%Y-%m-%d-%H%M}.jsonl.gz",
        mime="application/gzip",
        icon=":material/backup:",
        key="download_backup",
        on_click="ignore",
    )
