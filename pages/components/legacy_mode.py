"""Streamlit's legacy pages/ mode, left on the first run: until app.py's first
st.navigation, Streamlit treats the pages/ folder as a multipage app of its own and runs a
deep link's page directly, outside the login gate."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

UI_FILE = Path(__file__).resolve().parents[1] / "ui.py"  # a file only that mode lists as a page
ROUTED_KEY = "_routed_by_app"  # this session's runs go through app.py's login gate


def _leave() -> None:
    """Leave legacy pages/ mode. Its list of every file in pages/ stays hidden
    (.streamlit/config.toml); from now on the sidebar shows the menu app.py builds with
    st.navigation. Never while pages.ui is being imported: a rerun raised inside the import
    failed it for every session importing it at that moment (two first visitors at once:
    "cannot import name 'ui' from 'pages'")."""
    if PagesManager.uses_pages_directory:  # at every run that starts in it (AppTest's do)
        PagesManager.uses_pages_directory = False
        st.set_option("client.showSidebarNavigation", True)


def routed_by_app() -> None:
    """app.py's first call in every run: out of legacy mode (its st.navigation follows),
    and this session marked as going through its login gate."""
    _leave()
    st.session_state[ROUTED_KEY] = True


def rerun_through_app() -> None:
    """A page that legacy mode ran directly, outside app.py, runs again through app.py's
    gate (the same address: the login form, or the page once logged in). Every such page,
    not only the one whose run left the mode: two first visitors' deep links at once both
    ran their page directly, and the second, finding the mode already left, went on to a
    dead end ("Please log in." and no login form)."""
    _leave()
    if not st.session_state.get(ROUTED_KEY) and _legacy_pages_listed():
        st.session_state[ROUTED_KEY] = True  # once: the mode is left, the rerun is app.py's
        st.rerun()


def _legacy_pages_listed() -> bool:
    """Whether this session's pages are legacy mode's: every file in pages/, pages/ui.py
    among them, which app.py's st.navigation never lists."""
    ctx = get_script_run_ctx()
    pages = ctx.pages_manager.get_pages().values() if ctx is not None else ()
    paths = (Path(page["script_path"]) for page in pages)
    return any(path.name == UI_FILE.name and path.resolve() == UI_FILE for path in paths)
