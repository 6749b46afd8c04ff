"""Shared page plumbing: database handle, the logged-in user, local dates, errors.

Pages stay thin: they read widgets, call core services and render results.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from core.config import load_settings
from core.db import Database, upgrade_schema
from core.domain import (
    BREACH_LABELS,
    PARTNER_ROLE_LABELS,
    PATTERN_LABELS,
    BreachPattern,
    BreachType,
    PartnerRole,
)
from core.errors import MendError
from core.formatting import DateStyle, date_style, format_date
from core.measures import Instrument
from core.services import exercises, progress_views, safety
from core.services.access import Actor

__all__ = ["Actor"]

USER_KEY = "user"
T = TypeVar("T")


def _leave_legacy_multipage_mode() -> None:
    """Until some session has called st.navigation, Streamlit treats a pages/ folder
    as a legacy multipage app: the first request after a restart, if it is a deep
    link such as /couple?case=C-0004, would run that page file directly, outside
    app.py's login gate. Switch the process to st.navigation mode and rerun through
    app.py (the address is kept, so the login form appears there)."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


_leave_legacy_multipage_mode()


@st.cache_resource(show_spinner="Opening the database…")
def _database(url: str) -> Database:
    db = Database.from_url(url)
    upgrade_schema(db.engine)
    exercises.sync_catalogue(db)
    return db


def database() -> Database:
    return _database(load_settings().database_url)


def current_user() -> Actor:
    """The logged-in user; app.py only routes here when there is one."""
    user = st.session_state.get(USER_KEY)
    if not isinstance(user, Actor):
        st.warning("Please log in.")
        st.stop()
    return user


def local_today() -> date:
    """Today in the browser's time zone (the server may sit in another)."""
    try:
        zone = ZoneInfo(st.context.timezone) if st.context.timezone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return datetime.now(zone).date()


def style() -> DateStyle:
    return date_style(st.context.locale)


def show_date(value: date | None) -> str:
    return format_date(value, st.context.locale)


def attempt(action: Callable[[], T]) -> T | None:
    """Run a service call; show its refusal next to the form and return None."""
    try:
        return action()
    except MendError as error:
        st.error(str(error), icon=":material/error:")
        return None


def couple_fields(key: str, initial: dict[str, Any] | None = None) -> dict[str, Any]:
    """The intake/edit widgets (inside a form), returned in CoupleIn's shape."""
    initial = initial or {}
    values: dict[str, Any] = {}
    columns = st.columns(2)
    for column, label in zip(columns, ("a", "b"), strict=True):
        given = initial.get(f"partner_{label}", {})
        with column:
            st.markdown(f"**Partner {label.upper()}**")
            values[f"partner_{label}"] = {
                "name": st.text_input(
                    "Name", value=given.get("name", ""), key=f"{key}_{label}_name", max_chars=80
                ),
                "pronouns": st.text_input(
                    "Pronouns",
                    value=given.get("pronouns", ""),
                    key=f"{key}_{label}_pronouns",
                    max_chars=30,
                    placeholder="e.g. she/her, they/them",
                ),
                "role": st.selectbox(
                    "Role",
                    list(PartnerRole),
                    index=list(PartnerRole).index(given.get("role", _default_role(label))),
                    format_func=PARTNER_ROLE_LABELS.__getitem__,
                    key=f"{key}_{label}_role",
                ),
                "contact": st.text_input(
                    "Contact (optional)",
                    value=given.get("contact", ""),
                    key=f"{key}_{label}_contact",
                    max_chars=120,
                ),
            }
    values["breach_types"] = st.multiselect(
        "What broke trust",
        list(BreachType),
        default=initial.get("breach_types", []),
        format_func=BREACH_LABELS.__getitem__,
        key=f"{key}_breaches",
        placeholder="Choose one or more",
    )
    values["pattern"] = st.radio(
        "One-time event or repeated pattern",
        list(BreachPattern),
        index=list(BreachPattern).index(initial.get("pattern", BreachPattern.ONE_TIME)),
        format_func=PATTERN_LABELS.__getitem__,
        horizontal=True,
        key=f"{key}_pattern",
    )
    values["intake_date"] = st.date_input(
        "Intake date",
        value=initial.get("intake_date", local_today()),
        max_value=local_today(),
        format=style().widget,
        key=f"{key}_intake",
    )
    values["goals"] = st.text_area(
        "Goals",
        value=initial.get("goals", ""),
        key=f"{key}_goals",
        max_chars=2000,
        placeholder="What the couple want from counselling",
    )
    return values


def _default_role(label: str) -> PartnerRole:
    return PartnerRole.HURT if label == "a" else PartnerRole.BROKE_TRUST


def forget_widgets(prefix: str) -> None:
    """Drop a form's widget state so it shows freshly saved values next run."""
    for name in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[name]


def rating_inputs(
    key: str, tool: Instrument, initial: dict[str, float] | None = None
) -> dict[str, float | None]:
    """One partner's answers to one instrument. Empty until the clinician enters a
    value, so a rating nobody gave is never saved as a default."""
    initial = initial or {}
    answers: dict[str, float | None] = {}
    st.caption(f"**{tool.name}** — {tool.instructions}")
    for item in tool.items:
        given = initial.get(item.key)
        widget_key = f"{key}_{tool.key}_{item.key}"
        if item.anchors:
            options = list(item.anchors)
            answers[item.key] = st.selectbox(
                item.text,
                options,
                index=options.index(int(given)) if given is not None else None,
                format_func=lambda v, a=item.anchors: f"{v} · {a[v]}",
                placeholder="Not rated",
                key=widget_key,
            )
        else:
            answers[item.key] = st.number_input(
                f"{item.text} ({item.minimum}-{item.maximum})",
                min_value=item.minimum,
                max_value=item.maximum,
                step=1,
                value=None if given is None else int(given),
                placeholder="Not rated",
                key=widget_key,
            )
    return answers


def safety_banner(db: Database, user: Actor, couple_id: int) -> bool:
    """Show the open-concern banner with the crisis line; True if one is open."""
    concerns = safety.open_concerns(db, user, couple_id)
    if not concerns:
        return False
    lines = [
        f"- Partner {c.partner_label} ({c.partner_name}): {', '.join(c.concerns)} — "
        f"screened {show_date(c.screened_on)}"
        for c in concerns
    ]
    st.error(
        "**Open safety concern.** Joint exercises and exercises asking the hurt partner "
        "to be vulnerable need a recorded override.\n\n"
        + "\n".join(lines)
        + f"\n\n{load_settings().crisis_line}",
        icon=":material/health_and_safety:",
    )
    return True


@st.cache_data(show_spinner="Computing the clinic's reference data…", max_entries=4)
def _clinic_reference(url: str, stamp: tuple[int, int]) -> progress_views.ClinicReference:
    return progress_views.clinic_reference(_database(url))


def clinic_reference() -> progress_views.ClinicReference:
    """Clinic-wide constants and band, recomputed whenever a rating is added."""
    db = database()
    return _clinic_reference(load_settings().database_url, progress_views.ratings_stamp(db))


@st.cache_data(show_spinner="Reading ratings…", max_entries=16)
def _visible_ratings(url: str, user: Actor, stamp: tuple[int, int]) -> Any:
    return progress_views.visible_ratings(_database(url), user)


def visible_ratings(user: Actor) -> Any:
    """Every rating the user may see; keyed by user and the ratings stamp, so a new
    rating is never hidden by the cache."""
    db = database()
    return _visible_ratings(load_settings().database_url, user, progress_views.ratings_stamp(db))


def open_couple_controls(table: Any, *, selection: Any, key: str) -> None:
    """Row selection in a table of couples, plus a case-code picker, open the couple."""
    rows = selection.selection.rows if selection else []
    if rows:
        st.switch_page("pages/couple.py", query_params={"case": table.iloc[rows[0]]["case_code"]})
    with st.form(f"{key}_open", border=False):
        picked = st.selectbox(
            "Open a couple",
            list(dict.fromkeys(table["case_code"])),
            index=None,
            placeholder="Choose a case code",
            key=f"{key}_case",
        )
        if st.form_submit_button("Open couple") and picked:
            st.switch_page("pages/couple.py", query_params={"case": picked})
