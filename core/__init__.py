"""Mend core: domain, services and database access. Never imports Streamlit."""
