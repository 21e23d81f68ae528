"""Tour: the explainer's claims (longer input, longer output, bigger models), each measured on this machine and
stated in one sentence computed from the measurement; ends in a report that opens offline."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.tour_view import render_tour

state.init_state()
st.title("Tour: why AI still costs money")
render_tour()
