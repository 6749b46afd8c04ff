"""The counsellor's clock: the browser's time zone, and a moment written as the browser's
locale writes dates, with the time in that zone ("26/11/2026 14:05")."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

import streamlit as st

from core.formatting import browser_zone, format_date


def zone() -> tzinfo:
    """The browser's time zone (the server may sit in another); UTC when unknown."""
    return browser_zone(st.context.timezone)


def moment(value: datetime | None) -> str:
    """A stored (UTC) moment in the counsellor's zone: date in the locale's style, then
    hours and minutes; "—" when there is none."""
    if value is None:
        return "—"
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone())
    return f"{format_date(local.date(), st.context.locale)} {local:%H:%M}"
