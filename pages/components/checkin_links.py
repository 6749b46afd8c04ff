"""The couple page's check-in links: make one for partner A or B (link and QR code shown
once), list and revoke them, and the partners' latest check-ins with their flags.
Opening it counts the couple's check-ins as seen (the caseload's "new check-ins")."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlparse

import streamlit as st

from core import qr
from core.config import load_settings
from core.db import Database
from core.domain import CHECK_IN_INSTRUMENTS, SAFE_CHANNEL_NEEDED
from core.formatting import plain
from core.measures import INSTRUMENTS
from core.services import checkins
from core.services.access import Actor
from core.services.couples import CoupleView
from pages import ui


def _base_url() -> str:
    if configured := load_settings().public_url:
        return configured
    url = urlparse(st.context.url or "http://localhost:8501")
    return f"{url.scheme}://{url.netloc}"


def _create(db: Database, user: Actor, couple: CoupleView) -> None:
    names = {p.label: p.name for p in couple.partners}
    guarded = checkins.needs_safe_channel(db, user, couple.id)
    with st.form(f"link_form_{couple.id}"):
        label = st.radio(
            "Link for",
            list(names),
            format_func=lambda k: plain(f"{names[k]} ({k})"),
            horizontal=True,
        )
        chosen = st.multiselect(
            "Questions",
            list(CHECK_IN_INSTRUMENTS),
            default=list(CHECK_IN_INSTRUMENTS),
            format_func=lambda k: INSTRUMENTS[k].short_name,
        )
        progress = st.checkbox("Show the partner their own progress")
        reason = None
        if guarded:
            st.warning(SAFE_CHANNEL_NEEDED, icon=":material/shield:")
            reason = st.text_area("Why this partner's channel is private and safe")
        made = st.form_submit_button("Make link", icon=":material/link:")
    if not made:
        return
    new = ui.attempt(
        lambda: checkins.create_link(
            db,
            user,
            couple.id,
            {
                "partner_label": label,
                "instruments": chosen,
                "show_progress": progress,
                "safe_channel_reason": reason,
            },
        )
    )
    if new is not None:
        st.session_state[f"new_link_{couple.id}"] = (new.link.partner_name, new.token)


def _show_new(couple: CoupleView) -> None:
    made = st.session_state.get(f"new_link_{couple.id}")
    if not made:
        return
    name, token = made
    url = checkins.link_url(_base_url(), token)
    st.success(
        f"Link for {plain(name)} made. Send it through the clinic's own channel: "
        "it is shown only now.",
        icon=":material/check_circle:",
    )
    st.code(url, language=None)
    st.image(qr.png(url), width=220, caption="The same link as a QR code")


def _list(db: Database, user: Actor, couple: CoupleView, editable: bool) -> None:
    links = checkins.links(db, user, couple.id)
    if not links:
        st.caption("No check-in links yet.")
        return
    now = datetime.now(UTC)
    st.dataframe(
        [
            {
                "Partner": f"{link.partner_name} ({link.partner_label})",
                "State": "revoked"
                if link.revoked_at
                else "active"
                if link.is_active(now)
                else "expired",
                "Made": ui.show_date(link.created_at),
                "Expires": ui.show_date(link.expires_at),
                "Last used": ui.show_date(link.last_used_at) if link.last_used_at else "",
                "Safe channel": link.safe_channel_reason or "",
            }
            for link in links
        ],
        hide_index=True,
    )
    active = {link.id: link for link in links if link.is_active(now)}
    if editable and active:
        cols = st.columns([3, 1], vertical_alignment="bottom")
        which = cols[0].selectbox(
            "Revoke a link",
            list(active),
            format_func=lambda i: (
                f"{active[i].partner_name}, made {ui.show_date(active[i].created_at)}"
            ),
            key=f"revoke_pick_{couple.id}",
        )
        revoke = cols[1].button("Revoke", key=f"revoke_{couple.id}", icon=":material/link_off:")
        if revoke and ui.attempt(lambda: checkins.revoke_link(db, user, which) or True):
            st.session_state.pop(f"new_link_{couple.id}", None)
            st.rerun()


def _recent(db: Database, user: Actor, couple: CoupleView, editable: bool) -> None:
    recent = checkins.recent(db, user, couple.id)
    if recent.empty:
        return
    st.markdown("**Latest check-ins** (their ratings are on the Progress tab)")
    st.dataframe(recent.drop(columns=["id"]), hide_index=True)
    for row in recent.loc[recent["alert"].ne("")].itertuples():
        st.error(f"{plain(row.partner)}, {ui.show_date(row.checked_on)}: {row.alert}")
        if editable and st.button("I have followed this up", key=f"ack_{row.id}"):
            ui.attempt(lambda i=row.id: checkins.acknowledge(db, user, i))
            st.rerun()


def render(db: Database, user: Actor, couple: CoupleView) -> None:
    editable = couple.counsellor_id == user.id
    if editable:
        _create(db, user, couple)
        _show_new(couple)
    _list(db, user, couple, editable)
    _recent(db, user, couple, editable)
    if editable:
        checkins.mark_seen(db, user, couple.id)
