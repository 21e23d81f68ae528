"""History: every saved run; open, compare, replay, export, import, delete."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.history_picker import export_and_delete, find_runs, import_bundle, open_runs, pick_runs
from ui.history_view import render_run, render_together, replay
from ui.jobs import collect
from ui.layout import page_link

state.init_state()
st.title("History")
st.caption(
    "Every comparison and every sweep is saved here as each lane finishes, with its prompt, settings, token "
    "timings, prices and machine. Open one, chart several together, replay one without its model, or move "
    "runs between machines as a bundle."
)
page_link("tradeoffs", "These runs in one figure: Trade-offs", ":material/insights:")
import_bundle()
runs = find_runs()
selected = pick_runs(runs)
export_and_delete(selected, runs)

collect(state.REPLAY_JOB)
opened = open_runs(selected)
if len(opened) == 1:
    replay(opened[0])
    render_run(opened[0], st.session_state[state.UTILIZATION_PCT])
elif len(opened) > 1:
    render_together(opened)
