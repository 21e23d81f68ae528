"""Compare: one prompt, several models, answers streamed side by side with live figures."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.compare_editor import lane_editor, prompt_and_buttons, share_links
from ui.compare_run import keep_results, start_comparison
from ui.compare_view import render_results
from ui.history_view import shared_run
from ui.jobs import collect, report_save_errors
from ui.resources import model_choices
from ui.text import notice

state.init_state()
if (shared := st.query_params.get("run")) and shared_run(shared, st.session_state[state.UTILIZATION_PCT]):
    st.stop()  # a ?run= link shows a saved run; nothing runs
names, choices = model_choices()

st.title(state.heading("compare"), help="One prompt, several models or settings, answered side by side. Every "
         "figure is measured where the token is produced, not where it is drawn.")  # fmt: skip
for message in st.session_state[state.LINK_ERRORS]:
    notice("warning", message)
run_clicked, messages = prompt_and_buttons()
lanes = lane_editor(names, choices)
state.save_link(lanes)

interrupted = collect(state.JOB, keep_results)
if run_clicked:
    start_comparison(st.session_state[state.PROMPT], lanes, names, messages)
elif interrupted:
    messages.info("Stopped. Every lane kept what it had generated.", icon=":material/stop_circle:")
report_save_errors(st.session_state[state.SAVE_ERRORS])
if not run_clicked and st.session_state[state.RESULTS]:
    render_results(
        st.session_state[state.RESULTS], st.session_state[state.RESULTS_PROMPT], st.session_state[state.UTILIZATION_PCT]
    )
share_links(lanes, st.session_state[state.RESULTS_RUN_ID] if st.session_state[state.RESULTS] else None)
