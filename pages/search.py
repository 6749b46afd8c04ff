"""Search the session notes of every couple the user may see."""

import streamlit as st

from core.formatting import plain, plural
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
st.caption(
    plural(len(found), "note")
    + ", newest first"
    + (" (first 50 shown)" if len(found) == 50 else "")
)
shown = paging.paged(
    found, key="note_search_page", noun="notes", size=RESULTS_A_PAGE, hint="Add words to narrow it."
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
