"""The couple page's Sessions tab: timeline, full notes, signing and addenda."""

from __future__ import annotations

import streamlit as st

from core.db import Database
from core.domain import MODALITY_LABELS, Attendees, Role
from core.formatting import plain, plural
from core.measures import INSTRUMENTS
from core.services import sessions
from core.services.access import Actor
from core.services.couples import CoupleView
from pages import ui
from pages.components import clock, confirm


def render(db: Database, user: Actor, couple: CoupleView) -> None:
    if sessions.may_record(user, couple):
        st.page_link(
            "pages/log_session.py",
            label="Log a session",
            icon=":material/edit_note:",
            query_params={"case": couple.case_code},
        )
    history = sessions.list_sessions(db, user, couple.id)
    if not history:
        st.info(
            "No sessions yet. Log the first session to start this couple's timeline; "
            "each attending partner's ratings feed the progress charts."
        )
        return
    drafts = sum(not s.is_signed for s in history)
    st.caption(
        plural(len(history), "session")
        + (f", :orange[{plural(drafts, 'unsigned draft')}]" if drafts else "")
    )
    names = {partner.label: partner.name for partner in couple.partners}
    for view in history:
        _session(db, user, view, names)


def _session(db: Database, user: Actor, view: sessions.SessionView, names: dict[str, str]) -> None:
    signed = f":green[signed {clock.moment(view.signed_at)}]"
    badge = signed if view.is_signed else ":orange[**draft — not signed**]"
    title = (
        f"{ui.show_date(view.session_date)} · {view.duration_minutes} min · "
        f"{MODALITY_LABELS[view.modality].lower()} · {_attended(view.attendees, names)}"
    )
    marker = "" if view.is_signed else ":orange[**Draft**] · "
    with st.expander(f"{marker}{title} — {plain(view.preview)}", expanded=False):
        st.markdown(
            f"{badge} · by {plain(view.author)}"
            + (f" · co-signed by {plain(view.cosigned_by)}" if view.cosigned_by else "")
        )
        st.markdown(f"**Data**  \n{plain(view.note_data) or '—'}")
        st.markdown(f"**Assessment**  \n{plain(view.note_assessment) or '—'}")
        st.markdown(f"**Plan**  \n{plain(view.note_plan) or '—'}")
        if view.risk_raised:
            st.warning(f"Safety concern raised: {plain(view.risk_text)}")
        if view.ratings:
            st.dataframe(
                [
                    {
                        "Partner": names.get(r.partner_label, r.partner_label),
                        "Instrument": INSTRUMENTS[r.instrument].short_name
                        if r.instrument in INSTRUMENTS
                        else r.instrument,
                        "Total": r.total,
                    }
                    for r in view.ratings
                ],
                hide_index=True,
            )
        for addendum in view.addenda:
            st.info(
                f"**Addendum** by {plain(addendum.author)}, "
                f"{clock.moment(addendum.created_at)}  \n{plain(addendum.text)}"
            )
        _actions(db, user, view)


def _attended(attendees: Attendees, names: dict[str, str]) -> str:
    if attendees is Attendees.JOINT:
        return "joint"
    return f"{plain(names['A' if attendees is Attendees.A_ONLY else 'B'])} only"


def _actions(db: Database, user: Actor, view: sessions.SessionView) -> None:
    if not view.is_signed and view.author_id == user.id:
        left, right = st.columns(2)
        left.page_link(
            "pages/log_session.py",
            label="Edit draft",
            icon=":material/edit:",
            query_params={"case": view.case_code, "session": str(view.id)},
        )
        with right:
            confirmed = confirm.tick(
                "I have reviewed this note; sign and lock it", key=f"confirm_sign_{view.id}"
            )
        if right.button("Sign note", key=f"sign_{view.id}", disabled=not confirmed, type="primary"):
            _done(
                ui.attempt(lambda: sessions.sign(db, user, view.id, expected_version=view.version)),
                "Note signed.",
            )
    if view.is_signed:
        with st.form(f"addendum_{view.id}", clear_on_submit=True):
            text = st.text_area("Add a dated addendum (the signed note stays as it is)")
            if st.form_submit_button("Add addendum"):
                _done(
                    ui.attempt(lambda: sessions.add_addendum(db, user, view.id, text)),
                    "Addendum added.",
                )
        if (
            user.role is Role.SUPERVISOR
            and view.cosigned_by is None
            and st.button("Co-sign", key=f"cosign_{view.id}")
        ):
            _done(ui.attempt(lambda: sessions.cosign(db, user, view.id)), "Note co-signed.")


def _done(result: object, message: str) -> None:
    if result is not None:
        ui.flash(message)
        st.rerun()
