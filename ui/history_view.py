"""The History page's views: one run, several runs together, and a replay."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from inference_core import REPLAY_SPEEDS, Lane, compare_charts, eval_summary, result_row, results_frame
from inference_core.engine import StoreError
from inference_core.types import StoredRun
from ui import state
from ui.compare_view import metric_column_config, render_results, results_table, stream
from ui.experiments_view import render_sweep
from ui.jobs import watch
from ui.layout import chart_grid
from ui.resources import engine, history_unreadable, refused
from ui.text import escape_markdown, notice
from ui.tour_view import show_chapter

SPEEDS = {"1x": "recorded speed", "2x": "twice as fast", "instant": "all at once"}
"""The replay speeds the engine offers (``REPLAY_SPEEDS``), as the radio explains them."""


def _when(run: StoredRun) -> str:
    return run.created_at[:19].replace("T", " ")


def render_run(run: StoredRun, utilization_pct: float) -> None:
    st.subheader(f"{run.kind.capitalize()} of {_when(run)} UTC")
    left, right = st.columns([1, 3], vertical_alignment="center")
    reporting = engine()
    left.download_button("Report (HTML, opens offline)", lambda: reporting.report(run),  # built on click only
                         f"inference-lens-{run.id[:8]}.html", "text/html", icon=":material/description:")  # fmt: skip
    if engine().is_tour(run):
        right.markdown(f"[Open this tour on the Tour page](/?tour={run.id})")
    with st.expander("Prompt and settings"):
        st.markdown(escape_markdown(run.prompt))
        st.json(run.meta, expanded=False)
    if not run.results:
        st.info("This run saved no lane (it was stopped or failed before any finished).")
        return
    if engine().is_tour(run):
        for data in engine().tour_data(run):
            st.markdown(f"**{escape_markdown(data['claim'])}**")
            show_chapter(st.empty(), data)
    elif run.kind == "eval":
        render_eval(run)
    elif run.kind in ("sweep", "traffic"):
        rows = _sweep_rows(run)
        render_sweep(run.meta.get("experiment", rows[0]["experiment"]), rows, run.results[0].environment)
    else:
        render_results(run.results, run.prompt, utilization_pct)


def render_eval(run: StoredRun) -> None:
    """A saved evaluation: per model, how many answers were right, how sure it was, and each answer."""
    rows = engine().eval_rows(run)
    st.dataframe(eval_summary(rows), hide_index=True, width="stretch")
    with st.expander(f"Every answer ({len(rows)})"):
        st.dataframe(pd.DataFrame(rows)[["lane", "prompt", "answer", "expected", "correct", "confidence"]],
                     hide_index=True, width="stretch")  # fmt: skip


def replay(run: StoredRun) -> None:
    """Re-stream a saved comparison at its recorded token times, in the Compare layout."""
    if run.kind != "compare" or not any(r.ok for r in run.results):
        return
    st.subheader("Replay")
    st.caption("Streams the saved answers at their recorded token times: a demo without the model or the hardware.")
    speed = st.radio("Speed", list(SPEEDS), format_func=lambda s: f"{s} ({SPEEDS[s]})", horizontal=True,
                     key="history_replay_speed")  # fmt: skip
    if not st.button("Replay", icon=":material/replay:"):
        return
    lanes = [Lane(f"replay:{run.id}/{index}@{speed}") for index in range(len(run.results))]
    if refused(engine().problems(run.prompt, lanes)):
        return
    job = engine().comparison(run.prompt, lanes, mode="race")
    titles = [f"Replay · {index + 1}. {r.model_name}" for index, r in enumerate(run.results)]
    watch(state.REPLAY_JOB, job, lambda running: stream(running, titles, time_scale=REPLAY_SPEEDS[speed]))
    st.caption(f"Replayed at {speed}; the figures shown are the recorded ones.")


def _sweep_rows(run: StoredRun, series: str = "") -> list[dict]:
    """A saved sweep back as tidy rows; ``series`` prefixes the setting so each run is its own line."""
    rows = [
        result_row(r, e.get("experiment", "?"), e.get("variable", "?"), e.get("value"), e.get("repeat", 0))
        for r, e in zip(run.results, run.extras, strict=True)
    ]
    for row in rows:
        row["setting"] = f"{series}{row['setting']}"
    return rows


def render_together(runs: list[StoredRun]) -> None:
    """Several runs in the same charts: sweeps of one experiment as series, otherwise lane bars."""
    st.subheader(f"{len(runs)} runs together")
    experiments = {run.meta.get("experiment") for run in runs if run.kind in ("sweep", "traffic")}
    if all(run.kind in ("sweep", "traffic") for run in runs) and len(experiments) == 1:
        rows = [row for run in runs for row in _sweep_rows(run, f"{_when(run)[11:]} · ")]
        render_sweep(experiments.pop(), rows, runs[0].results[0].environment if runs[0].results else {})
        return
    combined = [
        result.replace(model_name=f"{_when(run)[11:]} {result.model_name}") for run in runs for result in run.results
    ]
    frame = results_frame(combined)
    st.dataframe(results_table(frame), column_config=metric_column_config(), width="stretch")
    chart_grid(compare_charts(frame))


def shared_run(run_id: str, utilization_pct: float) -> bool:
    """A ``?run=RUN_ID`` link: the saved run's answers, figures and charts, Replay first; False when unknown."""
    try:
        run = engine().run(run_id) if state.RUN_ID.fullmatch(run_id) else None
    except StoreError as exc:
        history_unreadable(exc)
    if run is None:
        notice("warning", f"The link names no saved run here ({run_id[:40]}): showing the Compare page instead.")
        return False
    st.title("Saved run")
    st.caption("Opened from a link: nothing was run for it. Replay streams the answers again at their recorded "
               "token times, without the model.")  # fmt: skip
    if st.button("New comparison", icon=":material/add:"):
        st.query_params.clear()
        st.rerun()
    replay(run)
    render_run(run, utilization_pct)
    return True
