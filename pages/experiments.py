"""Experiments: sweeps over output length, input length, model size, settings and traffic, charted."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.experiments_editor import apply_link, keep_rows, run_buttons, start_sweep, sweep_inputs
from ui.experiments_view import render_sweep
from ui.jobs import collect, report_save_errors
from ui.layout import page_link

state.init_state()
st.title(state.heading("experiments"))
st.caption(
    "Each experiment turns one claim into a measured curve. Every lane is warmed up once (not counted), "
    "then each point runs several times, one run at a time; points show the median and the min-max range."
)
page_link("history", "Every saved run in one figure: the trade-offs, in History", ":material/insights:",
          query={"view": "summary"})
apply_link()
inputs = sweep_inputs()
run_clicked = run_buttons(inputs)

interrupted = collect(state.SWEEP_JOB, keep_rows)
if run_clicked:
    start_sweep(inputs)
elif interrupted:
    st.info("Stopped. The finished points are kept below.", icon=":material/stop_circle:")
report_save_errors(st.session_state[state.SAVE_ERRORS])
if not run_clicked and st.session_state[state.SWEEP_ROWS]:
    render_sweep(
        st.session_state[state.SWEEP_EXPERIMENT],
        st.session_state[state.SWEEP_ROWS],
        st.session_state[state.SWEEP_ENVIRONMENT],
        st.session_state[state.SWEEP_LEVELS],
    )
