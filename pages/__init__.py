"""Streamlit pages; app.py registers them with st.navigation."""
