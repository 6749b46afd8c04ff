"""One session note on the couple's Sessions tab: an expander, drawn only when opened,
with the note, its ratings (a small markdown table: one row per partner), its addenda and
what the viewer may do with it (sign a draft, add an addendum, co-sign)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core.db import Database
from core.domain import MODALITY_LABELS, Attendees, Role
from core.formatting import plain
from core.measures import INSTRUMENTS
from core.services import sessions
from core.services.access import Actor
from pages import ui
from pages.components import clock, confirm


def show(db: Database, user: Actor, view: sessions.SessionView, names: dict[str, str]) -> None:
    signed = f":green[signed {clock.moment(view.signed_at)}]"
    badge = signed if view.is_signed else ":orange[**draft — not signed**]"
    title = (
        f"{ui.show_date(view.session_date)} · {view.duration_minutes} min · "
        f"{MODALITY_LABELS[view.modality].lower()} · {_attended(view.attendees, names)}"
    )
    marker = "" if view.is_signed else ":orange[**Draft**] · "
    # Closed, a note is only its title: its text, ratings and forms are drawn (a rerun)
    # when it is opened, so a long page of notes costs little.
    label = f"{marker}{title} — {plain(view.preview)}"
    with st.expander(label, key=note_key(view.id), on_change="rerun") as note:
        if note.open is False:
            return
        st.markdown(
            f"{badge} · by {plain(view.author)}"
            + (f" · co-signed by {plain(view.cosigned_by)}" if view.cosigned_by else "")
        )
        st.markdown(
            f"**Data**  \n{plain(view.note_data) or '—'}\n\n"
            f"**Assessment**  \n{plain(view.note_assessment) or '—'}\n\n"
            f"**Plan**  \n{plain(view.note_plan) or '—'}"
        )
        if view.risk_raised:
            st.warning(f"Safety concern raised: {plain(view.risk_text)}")
        if view.ratings:
            st.markdown(ratings_table(view.ratings, names))
        for addendum in view.addenda:
            st.info(
                f"**Addendum** by {plain(addendum.author)}, "
                f"{clock.moment(addendum.created_at)}  \n{plain(addendum.text)}"
            )
        _actions(db, user, view)


def note_key(session_id: int) -> str:
    """The note's expander, open or closed (st.session_state[note_key(id)])."""
    return f"note_{session_id}"


def ratings_table(ratings: Sequence[sessions.RatingView], names: dict[str, str]) -> str:
    """The note's ratings as a markdown table (read-only, cheap to draw): a row per
    partner, a column per instrument (its total), names shown as text."""
    order = list(INSTRUMENTS)  # the catalogue's order, as the log-session form asks
    tools = sorted(
        {r.instrument for r in ratings},
        key=lambda t: (t not in order, order.index(t) if t in order else 0, t),
    )
    totals: dict[str, dict[str, float]] = {}
    for rating in ratings:
        totals.setdefault(rating.partner_label, {})[rating.instrument] = rating.total
    heads = [plain(INSTRUMENTS[t].short_name if t in INSTRUMENTS else t) for t in tools]
    lines = ["| Partner | " + " | ".join(heads) + " |", "| --- |" + " ---: |" * len(tools)]
    for label, scores in totals.items():
        name = plain(" ".join(names.get(label, label).split()))  # one line: a table row
        cells = [_total(scores.get(tool)) for tool in tools]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _total(value: float | None) -> str:
    return "—" if value is None else f"{round(value, 2):g}"


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
        if right.button(
            "Sign note",
            key=f"sign_{view.id}",
            disabled=not confirmed,
            type="primary",
            on_click=_keep_open,  # signed, its title changes: a new expander, closed
            args=(view.id,),
        ):
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


def _keep_open(session_id: int) -> None:
    st.session_state[note_key(session_id)] = True


def _done(result: object, message: str) -> None:
    if result is not None:
        ui.flash(message)
        st.rerun()
