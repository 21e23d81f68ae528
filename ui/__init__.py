"""Streamlit-only helpers: session-state keys, cached resources, shared widgets."""
