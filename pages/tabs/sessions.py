"""The couple's Sessions tab: its notes newest first, a page at a time
(sessions.NOTES_PER_PAGE), with a button to each other page holding unsigned drafts; each
note (text, ratings, addenda, signing) is pages/components/note_card.py."""

from __future__ import annotations

import streamlit as st

from core.db import Database
from core.formatting import plural
from core.services import sessions
from core.services.access import Actor
from core.services.couples import CoupleView
from pages import ui
from pages.components import note_card, paging


def render(db: Database, user: Actor, couple: CoupleView) -> None:
    if sessions.may_record(user, couple):
        st.page_link(
            "pages/log_session.py",
            label="Log a session",
            icon=":material/edit_note:",
            query_params={"case": couple.case_code},
        )
    key = f"notes_page_{couple.id}"
    page = sessions.timeline_page(db, user, couple.id, paging.chosen(key))
    if not page.total:
        st.info(
            "No sessions yet. Log the first session to start this couple's timeline; "
            "each attending partner's ratings feed the progress charts."
        )
        return
    drafts = len(page.drafts)
    st.caption(
        plural(page.total, "session")
        + (f", :orange[{plural(drafts, 'unsigned draft')}]" if drafts else "")
    )
    _drafts_elsewhere(page, key)
    paging.picker(
        key=key,
        number=page.number,
        pages=page.pages,
        caption=f"Sessions {page.first}–{page.last} of {page.total}, newest first "
        f"(page {page.number} of {page.pages}).",
    )
    names = {partner.label: partner.name for partner in couple.partners}
    for view in page.notes:
        note_card.show(db, user, view, names)


def _drafts_elsewhere(page: sessions.TimelinePage, key: str) -> None:
    """A button to each other page holding unsigned drafts, with their dates."""
    elsewhere: dict[int, list[str]] = {}
    for draft in page.drafts:
        if draft.page != page.number:
            elsewhere.setdefault(draft.page, []).append(ui.show_date(draft.session_date))
    for number, days in sorted(elsewhere.items()):
        more = f" and {len(days) - 3} more" if len(days) > 3 else ""
        st.button(
            f"Page {number}: {plural(len(days), 'unsigned draft')} ({', '.join(days[:3])}{more})",
            key=f"{key}_drafts_{number}",
            icon=":material/edit_note:",
            on_click=_go_to,
            args=(key, number),
        )


def _go_to(key: str, number: int) -> None:
    st.session_state[key] = number
