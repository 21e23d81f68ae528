"""Starting a comparison from the Compare page, and keeping what it produced."""

from __future__ import annotations

from typing import Any

import streamlit as st

from inference_core import Lane
from inference_core.engine import Saving
from ui import state
from ui.compare_view import stream
from ui.jobs import run_job
from ui.resources import engine, session_access
from ui.text import notice

_RECORDING = "compare_recording_run_id"


def keep_results(job) -> None:
    """Every lane that finished, and the prompt, stay in the session for the results view."""
    st.session_state[state.RESULTS] = job.finished_results()
    st.session_state[state.RESULTS_PROMPT] = job.prompt
    st.session_state[state.RESULTS_RUN_ID] = st.session_state.get(_RECORDING)


def problems(prompt: str, lanes: list[state.LaneInput]) -> list[str]:
    """Why the comparison cannot start: invalid lanes, the operator's limits."""
    found = [f"Lane {n}: {lane.error}" for n, lane in enumerate(lanes, start=1) if lane.error]
    found += [f"Lane {n}: {problem}" for n, lane in enumerate(lanes, start=1)
              if lane.settings and (problem := engine().lane_problem(lane.ref, lane.settings))]  # fmt: skip
    return found + engine().problems(prompt, [Lane(lane.ref, lane.settings) for lane in lanes if lane.settings])


def start_comparison(prompt: str, lanes: list[state.LaneInput], names: dict[str, str], messages: Any) -> None:
    """Validate (problems go to ``messages``, next to the Run button), then run and stream the comparison,
    saving each lane as it finishes."""
    if not prompt.strip():
        messages.warning("Type a prompt first (it cannot be empty or only spaces).", icon=":material/edit:")
        return
    found = problems(prompt, lanes)
    with messages:
        for message in found:
            notice("error", message)
    if found:
        return
    hourly, utilization_pct = st.session_state[state.HOURLY_USD], st.session_state[state.UTILIZATION_PCT]
    mode = st.session_state[state.MODE]
    meta = {"mode": mode, "lanes": [lane.link_value() for lane in lanes], "hourly_usd": hourly,
            "utilization_pct": utilization_pct}  # fmt: skip
    recorder = engine().recorder(Saving("compare", prompt, meta=meta))
    st.session_state[state.SAVE_ERRORS] = recorder.errors
    st.session_state[_RECORDING] = recorder.run_id
    job = engine().comparison(
        prompt, [Lane(lane.ref, lane.settings) for lane in lanes if lane.settings], access=session_access(),
        mode=mode, price=state.machine_price(), on_result=recorder,
        unload_after=st.session_state[state.UNLOAD_AFTER],
    )  # fmt: skip
    titles = [f"{n}. {engine().lane_title(lane.ref, lane.settings) if lane.settings else names.get(lane.ref, lane.ref)}"
              for n, lane in enumerate(lanes, start=1)]  # fmt: skip
    shapes = [lane.ref.startswith("shape:") for lane in lanes]
    run_job(state.JOB, job, lambda running: stream(running, titles, shapes), "comparison", keep_results)
