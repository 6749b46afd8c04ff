"""Page plumbing: database, user, local dates, refusals, flash, the conflict idiom, cached reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol, TypeVar

import streamlit as st

from core.config import load_settings
from core.db import Database, upgrade_schema
from core.errors import ConflictError
from core.formatting import DateStyle, browser_zone, date_style, format_date, plain
from core.services import exercises, progress_views
from core.services.access import Actor
from pages.components import legacy_mode
from pages.components.error_boundary import CONFLICT_HINT as CONFLICT_HINT
from pages.components.error_boundary import attempt

USER_KEY = "user"
T = TypeVar("T")
V = TypeVar("V", bound="_Versioned")


class _Versioned(Protocol):
    version: int


@st.cache_resource(show_spinner="Opening the database…")
def _database(url: str) -> Database:
    db = Database.from_url(url)
    upgrade_schema(db.engine)
    if db.writable:  # read-only mode: the catalogue stays as stored
        exercises.sync_catalogue(db)
    return db


def database() -> Database:
    legacy_mode.rerun_through_app()  # every page's first call: a deep link in legacy mode
    return _database(load_settings().database_url)


def current_user() -> Actor:
    """The logged-in user; app.py only routes here when there is one."""
    user = st.session_state.get(USER_KEY)
    if not isinstance(user, Actor):
        st.warning("Please log in.")
        st.stop()
    return user


def local_today(moment: datetime | None = None) -> date:
    """Today (or `moment`'s day) in the browser's time zone (the server may sit in another)."""
    zone = browser_zone(st.context.timezone)
    return (moment or datetime.now(zone)).astimezone(zone).date()


def style() -> DateStyle:
    return date_style(st.context.locale)


def show_date(value: date | None) -> str:
    """As the browser's locale writes dates; a datetime as its day in the browser's zone."""
    local = local_today(value) if isinstance(value, datetime) else value
    return format_date(local, st.context.locale)


def flash(message: str, *, slot: str = "page") -> None:
    """Keep a success message for the next run; shown as typed (it may name user text)."""
    st.session_state[f"flash_{slot}"] = message


def show_flash(slot: str = "page") -> None:
    if message := st.session_state.pop(f"flash_{slot}", None):
        st.success(plain(message), icon=":material/check_circle:")


def seen_version(key: str, shown: int) -> int:
    """Remember (under `key`) the version a form first showed; save_versioned sends it."""
    return st.session_state.setdefault(key, shown)


def save_versioned(key: str, shown: int, save: Callable[[int], V]) -> V | None:
    """THE conflict idiom: `save(version the user last saw)`. A ConflictError shows CONFLICT_HINT
    and counts `shown` as seen, so saving again applies the kept input; else as `attempt`."""

    def run() -> V:
        try:
            return save(seen_version(key, shown))
        except ConflictError:
            st.session_state[key] = shown
            raise

    saved = attempt(run)
    if saved is not None:
        st.session_state[key] = saved.version
    return saved


def forget_widgets(prefix: str) -> None:
    """Drop the widget state under `prefix`: the form shows saved values next run."""
    for name in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[name]


# A resource, not data: a snapshot never changes once stored, and every page reads it on
# every run (st.cache_data unpickled a copy each time). Shared: read it, never change it.
@st.cache_resource(show_spinner="Reading the clinic's reference data…", max_entries=4)
def _clinic_reference(url: str, snapshot_id: int) -> progress_views.ClinicReference:
    return progress_views.reference_snapshot(_database(url), snapshot_id)


def clinic_reference() -> progress_views.ClinicReference:
    """The latest stored snapshot, cached by its id: a new rating changes nothing until the next."""
    snapshot_id = progress_views.reference_in_force(database())
    if snapshot_id is None:  # none yet, or too old: computed from every rating (slow)
        with st.spinner("Computing the clinic's reference data…"):
            snapshot_id = progress_views.current_reference_id(database())
    return _clinic_reference(load_settings().database_url, snapshot_id)
