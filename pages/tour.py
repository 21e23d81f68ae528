"""Tour (the landing page): the explainer's claims, each measured on this machine and stated in one sentence
computed from the measurement; ends in a report that opens offline."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.tour_view import opened_from_link, render_tour

state.init_state()
if any(key in st.query_params for key in ("run", "prompt", "lane")):  # a Compare link of when it was the landing page
    st.switch_page(state.page("compare"), query_params={key: st.query_params.get_all(key) for key in st.query_params})
st.title(state.heading("tour"))
if tour := st.query_params.get("tour"):
    opened_from_link(tour)
render_tour()
