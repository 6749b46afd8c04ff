"""Search the session notes of every couple the user may see."""

import streamlit as st

from core.formatting import plain, plural
from core.paging import page_count
from core.services import sessions
from pages import ui
from pages.components import paging

RESULTS_A_PAGE = 10  # Mend's own choice: a screenful of excerpts, each with its link

db = ui.database()
user = ui.current_user()
st.title("Search notes")
query = st.text_input(
    "Words to find in session notes",
    placeholder="e.g. boundary, phone",
    key="note_search",
    on_change=lambda: st.session_state.pop("note_search_page", None),  # new words: page 1
)
if not query.strip():
    st.info(
        "Type a word or phrase; every note on the couples you may see is searched, "
        "case-insensitively."
    )
    st.stop()
with st.spinner("Searching…"):
    found = ui.attempt(lambda: sessions.search_notes(db, user, query))
if found is None:
    st.stop()
if found.empty:
    st.info(f"No note contains “{plain(query.strip())}”.")
    st.stop()
order = "newest first" + (", the first 50 found" if len(found) == 50 else "")
if page_count(len(found), RESULTS_A_PAGE) == 1:  # else the page's caption says it
    st.caption(f"{plural(len(found), 'note')}, {order}.")
shown = paging.paged(
    found,
    key="note_search_page",
    noun="notes",
    size=RESULTS_A_PAGE,
    hint=f"{order.capitalize()}. Add words to narrow it.",
)
for row in shown.itertuples():
    with st.container(border=True):
        st.markdown(
            f"**{row.case_code}** · {ui.show_date(row.session_date)} · {row.status}  \n"
            f"{plain(row.excerpt)}"
        )
        st.page_link(
            "pages/couple.py", label=f"Open {row.case_code}", query_params={"case": row.case_code}
        )
