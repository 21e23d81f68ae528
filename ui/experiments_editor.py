"""The Experiments page's inputs, and starting a sweep from them."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from inference_core import (
    DEFAULT_INPUT_LENGTHS,
    DEFAULT_MODELS,
    DEFAULT_OUTPUT_LENGTHS,
    DEFAULT_SETTINGS_VARIANTS,
    EXPERIMENTS,
    SETTINGS_CHOICES,
    SweepError,
    SweepPlan,
    TrafficOptions,
    collect_environment,
    estimate_plan,
    parse_levels,
    plan_sweep,
)
from inference_core.engine import Saving
from inference_core.types import Settings
from ui import state
from ui.experiments_view import track
from ui.jobs import run_job
from ui.layout import new_link
from ui.resources import engine, measured_speeds, model_choices, session_access, size_ladder
from ui.text import escape_markdown, notice, plural
from ui.traffic_editor import traffic_inputs

MODELS, OUTPUT_LENGTHS, OUTPUT_TOKENS = "sweep_models", "sweep_output_lengths", "sweep_output_tokens"
LENGTH_CHOICES = (8, 16, 32, 64, 128, 256, 512, 1024)


def apply_link() -> None:
    """Fill the inputs in from a link (the Tour's: ``?experiment=output-length&model=M&lengths=16,32&tokens=4``),
    once per link; anything that does not fit the widgets is left at its default."""
    wanted = st.query_params.get("experiment")
    if wanted not in EXPERIMENTS or not new_link("experiments"):
        return
    st.session_state["sweep_experiment_choice"] = wanted
    if model := st.query_params.get("model"):
        st.session_state[MODELS] = [model]
    low, high, _ = engine().bounds("max_new_tokens")
    try:
        lengths = [int(n) for n in st.query_params.get("lengths", "").split(",") if n][:8]
        tokens = int(st.query_params.get("tokens", "0"))
    except ValueError:
        return
    if lengths and all(low <= n <= high and n in LENGTH_CHOICES for n in lengths):
        st.session_state[OUTPUT_LENGTHS] = lengths
    if low <= tokens <= high:
        st.session_state[OUTPUT_TOKENS] = tokens


@dataclass(frozen=True)
class SweepInputs:
    experiment: str
    models: list[str]
    variants: list[str]
    lengths: list | None
    output_tokens: int
    repeats: int
    dtype: str = "float32"
    traffic: TrafficOptions | None = None
    problem: str = ""


def _size_models(names: dict[str, str], choices: list[str]) -> tuple[list[str], str]:
    """The model-size experiment: a dtype, and by default every model of the ladder that fits at it."""
    dtype = st.segmented_control("Weights", ["float32", "bfloat16"], default="float32", key="sweep_size_dtype",
                                 help="bfloat16 halves the weights (a 7B model needs it on 24 GB)")  # fmt: skip
    dtype = dtype or "float32"
    fitting = [key for key in size_ladder(dtype) if key in choices]
    models = st.multiselect(
        "Models (default: every size that fits here; diamonds are shape-only models with random weights)",
        choices, default=fitting, format_func=lambda r: names.get(r, r), key=f"sweep_size_models_{dtype}",
    )  # fmt: skip
    return models, dtype


def _models_and_variants(experiment: str) -> tuple[list[str], list[str]]:
    names, choices = model_choices()
    if experiment == "settings":
        model = st.selectbox("Model", choices, format_func=lambda r: names.get(r, r), key="sweep_settings_model")
        variants = st.multiselect("Settings", list(SETTINGS_CHOICES), default=list(DEFAULT_SETTINGS_VARIANTS),
                                  help="Each is applied to float32 transformers unless it names another engine; "
                                  "cache=static,compile=true compiles for minutes at load (timed apart)")  # fmt: skip
        return ([model] if model else []), variants
    if MODELS not in st.session_state:  # a default, unless a link already chose
        st.session_state[MODELS] = [m for m in DEFAULT_MODELS if m in choices]
    models = st.multiselect("Models", choices, format_func=lambda r: names.get(r, r), key=MODELS)
    return models, list(DEFAULT_SETTINGS_VARIANTS)


def _lengths(experiment: str, column) -> list | None:
    if experiment == "output-length":
        st.session_state.setdefault(OUTPUT_LENGTHS, list(DEFAULT_OUTPUT_LENGTHS))
        return column.multiselect("Output lengths (tokens, pinned)", list(LENGTH_CHOICES), accept_new_options=True,
                                  key=OUTPUT_LENGTHS)  # fmt: skip
    if experiment == "input-length":
        return column.multiselect(
            "Input lengths (about, tokens)", [32, 64, 128, 256, 512, 1024, 2048, 4096],
            default=list(DEFAULT_INPUT_LENGTHS), accept_new_options=True, key="sweep_input_lengths",
        )  # fmt: skip
    return None


def sweep_inputs() -> SweepInputs:
    experiment = st.radio("Experiment", list(EXPERIMENTS), format_func=EXPERIMENTS.get, key="sweep_experiment_choice")
    if experiment == "traffic":
        traffic = traffic_inputs()
        tokens = engine().default_settings().max_new_tokens  # each request's own length: the traffic options
        return SweepInputs(experiment, traffic.lanes, [], traffic.levels, tokens, 1, traffic=traffic.options,
                           problem=traffic.problem)  # fmt: skip
    dtype = "float32"
    if experiment == "model-size":
        models, dtype = _size_models(*model_choices())
        variants = list(DEFAULT_SETTINGS_VARIANTS)
    else:
        models, variants = _models_and_variants(experiment)
    left, middle, right = st.columns([2, 1, 1])
    lengths = _lengths(experiment, left)
    low, high, output_tokens = engine().bounds("max_new_tokens")
    if experiment != "output-length":
        st.session_state.setdefault(OUTPUT_TOKENS, output_tokens)
        output_tokens = middle.number_input("Output tokens (pinned)", low, high, key=OUTPUT_TOKENS)
    _, most, default = engine().bounds("repeats")
    repeats = right.number_input("Repeats per point", 0, most, default, help="Median and spread need at least 3")
    return SweepInputs(experiment, models, variants, lengths, int(output_tokens), int(repeats), dtype)


def run_buttons(inputs: SweepInputs) -> bool:
    """Run and Stop, with what the sweep will generate and about how long it takes here."""
    run_col, stop_col, plan_col = st.columns([1, 1, 4], vertical_alignment="center")
    clicked = run_col.button("Run sweep", type="primary", icon=":material/play_arrow:")
    stop_col.button("Stop", icon=":material/stop:", help="Stops after the run in progress; finished points are kept")
    plan_col.caption(escape_markdown(_plan_summary(inputs)))
    return clicked


def _plan_summary(inputs: SweepInputs) -> str:
    """``48 runs · 1,536 generated tokens · about 2 min here`` (or why it cannot be planned yet)."""
    try:
        plan = _plan(inputs)
    except ValueError as exc:
        return f"Not ready: {exc}"
    found = estimate_plan(plan, measured_speeds())
    when = (f"about {_duration(found.seconds)} here, plus loading" if found.seconds is not None else
            f"time unknown until {', '.join(found.unmeasured[:3])} has run once on this machine")  # fmt: skip
    return f"{plural(plan.total_runs, 'run')} · {found.tokens_out:,} generated tokens · {when}"


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def keep_rows(job) -> None:
    """A sweep's finished rows stay in the session for the results view."""
    st.session_state[state.SWEEP_ROWS] = list(job.rows)
    st.session_state[state.SWEEP_RESULTS] = list(job.results)
    st.session_state[state.SWEEP_LEVELS] = list(job.levels)
    st.session_state[state.SWEEP_EXPERIMENT] = job.plan.experiment
    st.session_state[state.SWEEP_ENVIRONMENT] = collect_environment()


def _plan(inputs: SweepInputs) -> SweepPlan:
    """The plan, or SweepError for bad inputs and the operator's limits."""
    if inputs.problem:
        raise SweepError(inputs.problem)
    if inputs.repeats < 1:
        raise SweepError("repeats must be at least 1: a point needs one counted run (3 or more for a spread)")
    if inputs.lengths is not None and not inputs.lengths:
        raise SweepError("choose at least one length")
    plan = plan_sweep(
        inputs.experiment, inputs.models, base=Settings(max_new_tokens=inputs.output_tokens, dtype=inputs.dtype),
        lengths=parse_levels(inputs.lengths, whole=inputs.experiment != "traffic") if inputs.lengths else None,
        variants=inputs.variants, repeats=inputs.repeats, traffic=inputs.traffic,
    )  # fmt: skip
    problems = engine().sweep_problems(plan)
    if problems:
        raise SweepError("; ".join(dict.fromkeys(problems)))
    return plan


def start_sweep(inputs: SweepInputs) -> None:
    """Plan, then run the sweep with progress, saving each counted run as it finishes."""
    try:
        plan = _plan(inputs)
    except ValueError as exc:
        notice("warning", str(exc), icon=":material/warning:")
        return
    for note in plan.notes:
        notice("info", note)
    hourly, utilization = st.session_state[state.HOURLY_USD], st.session_state[state.UTILIZATION_PCT] / 100
    meta = {"models": list(inputs.models), "repeats": inputs.repeats, "hourly_usd": hourly,
            "utilization_pct": utilization * 100}  # fmt: skip
    saving = Saving.sweep(inputs.experiment, title=EXPERIMENTS[inputs.experiment], meta=meta)
    recorder = engine().recorder(saving)
    st.session_state[state.SAVE_ERRORS] = recorder.errors
    job = engine().sweep(plan, access=session_access(), price=state.machine_price(), on_row=recorder)
    run_job(state.SWEEP_JOB, job, track, "sweep", keep_rows)
