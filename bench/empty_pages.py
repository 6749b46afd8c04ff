"""The floor of an in-app navigation (`python -m bench.served`): two empty pages under
st.navigation, each with a button that opens the other through st.switch_page, as the
caseload opens a couple (a widget's rerun, then st.switch_page: no page reload)."""

import streamlit as st

BUTTON = "Open the other page"


def _one() -> None:
    st.title("Empty one")
    if st.button(BUTTON):
        st.switch_page(two)


def _two() -> None:
    st.title("Empty two")
    if st.button(BUTTON):
        st.switch_page(one)


one = st.Page(_one, title="Empty one", default=True)
two = st.Page(_two, title="Empty two", url_path="two")
st.navigation([one, two]).run()
