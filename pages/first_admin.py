"""Shown instead of everything else until the installation has an active administrator."""

import streamlit as st

st.title("Mend")
st.warning(
    "Mend is not serving yet: this installation has no active administrator account.",
    icon=":material/lock:",
)
st.info(
    "An operator creates the first administrator on the server, then reloads this page:\n\n"
    "```\npython -m core.cli create-user --username admin --display-name 'Clinic Admin' "
    "--role admin\n```\n\n"
    "It asks for the password twice (or reads `MEND_NEW_PASSWORD`). For a demo with "
    "synthetic data, start with `make run` instead."
)
