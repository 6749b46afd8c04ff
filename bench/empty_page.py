"""The floor: an empty Streamlit page, run through AppTest like every page."""

import streamlit as st

st.title("Empty")
