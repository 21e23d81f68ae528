"""Trade-offs: latency, memory and price against model size and output length, from every saved run."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.jobs import collect
from ui.tradeoff_view import JOB, render_tradeoffs

state.init_state()
st.title("Trade-offs")
collect(JOB)
render_tradeoffs()
