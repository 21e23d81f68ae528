"""Experiments: sweeps over output length, input length, model size and settings, charted."""

from __future__ import annotations

import streamlit as st

from inference_core.catalog import DEFAULT_MODELS
from inference_core.environment import collect_environment
from inference_core.pricing import default_pricer
from inference_core.store import RunRecorder
from inference_core.sweeps import (
    DEFAULT_CONCURRENCY,
    DEFAULT_INPUT_LENGTHS,
    DEFAULT_OUTPUT_LENGTHS,
    DEFAULT_SETTINGS_VARIANTS,
    EXPERIMENTS,
    MAX_CONCURRENCY,
    Sweep,
    SweepError,
    parse_lengths,
    plan_sweep,
)
from inference_core.types import Settings
from ui import state
from ui.experiments_view import render_sweep, track
from ui.jobs import collect, finish, report_save_errors, watch
from ui.resources import model_choices, operator_problems, run_store, session_context
from ui.text import notice

state.init_state()
names, choices = model_choices()

st.title("Experiments")
st.caption(
    "Each experiment turns one claim into a measured curve. Every lane is warmed up once (not counted), "
    "then each point runs several times, one run at a time; points show the median and the min-max range."
)

experiment = st.radio("Experiment", list(EXPERIMENTS), format_func=EXPERIMENTS.get, key="sweep_experiment_choice")
if experiment == "settings":
    model = st.selectbox("Model", choices, format_func=lambda r: names.get(r, r), key="sweep_settings_model")
    models = [model] if model else []
    variants = st.multiselect("Settings", list(DEFAULT_SETTINGS_VARIANTS), default=list(DEFAULT_SETTINGS_VARIANTS))
else:
    models = st.multiselect(
        "Models", choices, default=[m for m in DEFAULT_MODELS if m in choices], format_func=lambda r: names.get(r, r)
    )
    variants = list(DEFAULT_SETTINGS_VARIANTS)

left, middle, right = st.columns(3)
lengths: list[int] | None = None
if experiment == "output-length":
    lengths = left.multiselect(
        "Output lengths (tokens, pinned)", [8, 16, 32, 64, 128, 256, 512, 1024], default=list(DEFAULT_OUTPUT_LENGTHS),
        accept_new_options=True, key="sweep_output_lengths",
    )  # fmt: skip
    output_tokens = 32
else:
    if experiment == "traffic":
        lengths = left.multiselect(
            "Concurrent requests", list(range(1, MAX_CONCURRENCY + 1)), default=list(DEFAULT_CONCURRENCY),
            key="sweep_concurrency", help="Copies of the same short question sent at once to each model",
        )  # fmt: skip
    if experiment == "input-length":
        lengths = left.multiselect(
            "Input lengths (about, tokens)", [32, 64, 128, 256, 512, 1024, 2048, 4096],
            default=list(DEFAULT_INPUT_LENGTHS), accept_new_options=True, key="sweep_input_lengths",
        )  # fmt: skip
    output_tokens = middle.number_input("Output tokens (pinned)", 1, 1024, 16 if experiment == "input-length" else 32)
repeats = right.number_input("Repeats per point", 0, 20, 3, help="Median and spread need at least 3")

run_col, stop_col, _ = st.columns([1, 1, 4])
run_clicked = run_col.button("Run sweep", type="primary", icon=":material/play_arrow:")
stop_col.button("Stop", icon=":material/stop:", help="Stops after the run in progress; finished points are kept")


def collect_sweep() -> bool:
    """Stop the session's sweep, if any, and keep its finished rows."""
    job: Sweep | None = collect(state.SWEEP_JOB)
    if job is None:
        return False
    st.session_state[state.SWEEP_ROWS] = list(job.rows)
    st.session_state[state.SWEEP_RESULTS] = list(job.results)
    st.session_state[state.SWEEP_EXPERIMENT] = job.plan.experiment
    st.session_state[state.SWEEP_ENVIRONMENT] = collect_environment()
    return True


interrupted = collect_sweep()
if run_clicked:
    try:
        if repeats < 1:
            raise SweepError("repeats must be at least 1: a point needs one counted run (3 or more for a spread)")
        if lengths is not None and not lengths:
            raise SweepError("choose at least one length")
        plan = plan_sweep(
            experiment,
            models,
            base=Settings(max_new_tokens=int(output_tokens)),
            lengths=parse_lengths(lengths) if lengths else None,
            variants=variants,
            repeats=int(repeats),
        )
        problems = operator_problems("", [(p.lane.ref, p.lane.settings.max_new_tokens) for p in plan.points],
                                     repeats=int(repeats))  # fmt: skip
        if problems:
            raise SweepError("; ".join(dict.fromkeys(problems)))
    except ValueError as exc:
        notice("warning", str(exc), icon=":material/warning:")
    else:
        for note in plan.notes:
            notice("info", note)
        hourly, utilization = st.session_state[state.HOURLY_USD], st.session_state[state.UTILIZATION_PCT] / 100
        recorder = RunRecorder(
            run_store(), "sweep", f"{experiment} sweep", title=EXPERIMENTS[experiment],
            meta={"experiment": experiment, "models": list(models), "repeats": int(repeats),
                  "hourly_usd": hourly, "utilization_pct": utilization * 100},
        )  # fmt: skip
        st.session_state[state.SAVE_ERRORS] = recorder.errors
        job = Sweep(plan, session_context(), finalize=default_pricer(hourly, utilization), on_row=recorder)
        watch(state.SWEEP_JOB, job, track)
        collect_sweep()
        finish(job, "sweep")
elif interrupted:
    st.info("Stopped. The finished points are kept below.", icon=":material/stop_circle:")
report_save_errors(st.session_state[state.SAVE_ERRORS])

if not run_clicked and st.session_state[state.SWEEP_ROWS]:
    render_sweep(
        st.session_state[state.SWEEP_EXPERIMENT],
        st.session_state[state.SWEEP_ROWS],
        st.session_state[state.SWEEP_ENVIRONMENT],
    )
