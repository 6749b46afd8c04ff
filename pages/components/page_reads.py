"""Every page run's reads of couples, audited once when the run ends (app.py wraps the
page in `audited`): one event per couple and page view, whatever the page calls."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import streamlit as st

from core.services import audit
from core.services.access import Actor
from pages import ui

MEMORY_KEY = "audit_page_reads"


def audited(page: Any, user: Actor | None) -> AbstractContextManager[None]:
    """The page run, collecting what it reads for the audit log (nothing when logged out)."""
    return audit.page_view(
        ui.database(),
        user,
        page=str(page.url_path),
        memory=st.session_state.setdefault(MEMORY_KEY, {}),
    )
