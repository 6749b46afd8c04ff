"""A neutral page: where "Exit quickly" leads. Nothing here names Mend, a clinic or a
relationship."""

import streamlit as st

from core.domain import CHECK_IN_NEUTRAL_PAGE, NEUTRAL_TITLE

st.title(NEUTRAL_TITLE, anchor=False)
st.markdown(CHECK_IN_NEUTRAL_PAGE)
