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
st.navigation(state.pages()).run()  # the pages and their URL paths: ui/state.py PAGES
