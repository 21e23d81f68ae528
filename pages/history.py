"""History: every saved run; open, compare, replay, export, import, delete; and every run in one figure."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.history_picker import export_and_delete, find_runs, import_bundle, open_runs, pick_runs
from ui.history_view import render_run, render_together, replay
from ui.jobs import collect
from ui.tradeoff_view import JOB, render_tradeoffs

VIEWS = {"runs": "Saved runs", "summary": "Every run in one figure (the trade-offs)"}

state.init_state()
st.title(state.heading("history"))
st.caption(
    "Every comparison, sweep, evaluation and tour is saved here as it runs, with its prompt, settings, token "
    "timings, prices and machine. Open one, chart several together, replay one without its model, move runs "
    "between machines as a bundle, or see what every run adds up to in one figure."
)
linked = st.query_params.get("view")
view = st.segmented_control("View", list(VIEWS), format_func=VIEWS.get, key="history_view", required=True,
                            default=linked if linked in VIEWS else "runs", label_visibility="collapsed")  # fmt: skip
if view == "summary":
    collect(JOB)
    render_tradeoffs()
    st.stop()

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
