"""The floor of an in-app navigation (`python -m bench.served`): two empty pages under
st.navigation, each with a button that opens the other through st.switch_page, as the
caseload opens a couple (a widget's rerun, then st.switch_page: no page reload). And
/chart: a heading and one plotly chart of three points, at a path as the couple page is,
what Streamlit and plotly.js alone cost a navigation to a drawn chart; /vega: the same with
Streamlit's own Vega-Lite chart (st.line_chart), which Streamlit's documentation offers as
the lighter alternative to plotly."""

import pandas as pd
import plotly.graph_objects as go
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


def _chart() -> None:
    st.title("One chart")
    st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2])), key="chart")


def _vega() -> None:
    st.title("One Vega chart")
    st.line_chart(pd.DataFrame({"x": [1, 2, 3], "y": [1, 3, 2]}), x="x", y="y")


one = st.Page(_one, title="Empty one", default=True)
two = st.Page(_two, title="Empty two", url_path="two")
chart = st.Page(_chart, title="One chart", url_path="chart")
vega = st.Page(_vega, title="One Vega chart", url_path="vega")
st.navigation([one, two, chart, vega]).run()
