"""Page plumbing: database, user, local dates, refusals, flash, the conflict idiom, cached reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Protocol, TypeVar

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from core.config import load_settings
from core.db import Database, upgrade_schema
from core.errors import ConflictError
from core.formatting import DateStyle, browser_zone, date_style, format_date, plain
from core.services import exercises, progress_views
from core.services.access import Actor
from pages.components.error_boundary import CONFLICT_HINT as CONFLICT_HINT
from pages.components.error_boundary import attempt

USER_KEY = "user"
T = TypeVar("T")
V = TypeVar("V", bound="_Versioned")


class _Versioned(Protocol):
    version: int


_left_legacy_mode = False
_THIS_FILE = Path(__file__).resolve()
ROUTED_KEY = "_routed_by_app"  # this session's runs go through app.py's login gate


def _leave_legacy_multipage_mode() -> None:
    """Leave legacy pages/ mode: a first deep link after a restart would skip the login
    gate. Its list of every file in pages/ stays hidden (.streamlit/config.toml); from now
    on the sidebar shows the menu app.py builds with st.navigation. Never while this module
    is being imported: a rerun raised inside the import failed it for every session
    importing it at that moment (two first visitors at once: "cannot import name 'ui'
    from 'pages'")."""
    global _left_legacy_mode
    if PagesManager.uses_pages_directory and not _left_legacy_mode:
        # Once per process (a test harness starts every run in that mode again).
        _left_legacy_mode = True
        PagesManager.uses_pages_directory = False
        st.set_option("client.showSidebarNavigation", True)


def routed_by_app() -> None:
    """app.py's first call in every run: out of legacy mode (its st.navigation follows),
    and this session marked as going through its login gate."""
    _leave_legacy_multipage_mode()
    st.session_state[ROUTED_KEY] = True


def _rerun_through_app() -> None:
    """A page that legacy mode ran directly, outside app.py, runs again through app.py's
    gate (the same address: the login form, or the page once logged in). Every such page,
    not only the one whose run left the mode: two first visitors' deep links at once both
    ran their page directly, and the second, finding the mode already left, went on to a
    dead end ("Please log in." and no login form)."""
    _leave_legacy_multipage_mode()
    if not st.session_state.get(ROUTED_KEY) and _legacy_pages_listed():
        st.session_state[ROUTED_KEY] = True  # once: the mode is left, the rerun is app.py's
        st.rerun()


def _legacy_pages_listed() -> bool:
    """Whether this session's pages are legacy mode's: every file in pages/, this module
    among them, which app.py's st.navigation never lists."""
    ctx = get_script_run_ctx()
    pages = ctx.pages_manager.get_pages().values() if ctx is not None else ()
    return any(
        Path(page["script_path"]).name == _THIS_FILE.name
        and Path(page["script_path"]).resolve() == _THIS_FILE
        for page in pages
    )


@st.cache_resource(show_spinner="Opening the database…")
def _database(url: str) -> Database:
    db = Database.from_url(url)
    upgrade_schema(db.engine)
    if db.writable:  # read-only mode: the catalogue stays as stored
        exercises.sync_catalogue(db)
    return db


def database() -> Database:
    _rerun_through_app()  # every page's first call: a deep link in legacy mode
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
    with st.spinner("Checking the clinic's reference data…"):  # stores one if none or too old
        snapshot_id = progress_views.current_reference_id(database())
    return _clinic_reference(load_settings().database_url, snapshot_id)
