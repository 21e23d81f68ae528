"""Inference Lens: router only. Page config, shared state, sidebar, navigation."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.sidebar import render_sidebar

st.set_page_config(page_title="Inference Lens", page_icon=":material/speed:", layout="wide")
st.html("<style>[data-testid='stMainBlockContainer'] {padding-top: 2.5rem;}</style>")  # answers above the fold
state.init_state(router=True)
state.keep_widget_values()
render_sidebar()
st.navigation(
    [
        st.Page("pages/compare.py", title="Compare", icon=":material/compare:", default=True),
        st.Page("pages/experiments.py", title="Experiments", icon=":material/science:"),
        st.Page("pages/cost.py", title="Cost", icon=":material/payments:"),
        st.Page("pages/quality.py", title="Tokens & quality", icon=":material/fact_check:"),
        st.Page("pages/history.py", title="History", icon=":material/history:"),
        st.Page("pages/tradeoffs.py", title="Trade-offs", icon=":material/insights:"),
        st.Page("pages/models.py", title="Models", icon=":material/memory:"),
    ]
).run()
