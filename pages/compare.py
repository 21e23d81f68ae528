"""Compare: one prompt, several models, answers streamed side by side with live figures."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.compare_editor import lane_rows, mode_input, prompt_input, run_buttons
from ui.compare_run import keep_results, start_comparison
from ui.compare_view import render_results
from ui.jobs import collect, report_save_errors
from ui.resources import model_choices
from ui.text import notice

state.init_state()
names, choices = model_choices()

st.title("Compare models")
st.caption(
    "One prompt, several models or settings, answered side by side. Every figure is measured where "
    "the token is produced, not where it is drawn."
)
for message in st.session_state[state.LINK_ERRORS]:
    notice("warning", message)
prompt_input()
lanes = lane_rows(names, choices)
mode_input()
state.save_link(lanes)
run_clicked = run_buttons()

interrupted = collect(state.JOB, keep_results)
if run_clicked:
    start_comparison(st.session_state[state.PROMPT], lanes, names)
elif interrupted:
    st.info("Stopped. Every lane kept what it had generated.", icon=":material/stop_circle:")
report_save_errors(st.session_state[state.SAVE_ERRORS])
if not run_clicked and st.session_state[state.RESULTS]:
    render_results(
        st.session_state[state.RESULTS], st.session_state[state.RESULTS_PROMPT], st.session_state[state.UTILIZATION_PCT]
    )
