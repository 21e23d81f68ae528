"""The traffic experiment's inputs: models with and without batching, the load shape, the objective."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from inference_core import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MODELS,
    DEFAULT_RATES,
    PROMPT_SET_SPREAD,
    LatencyObjective,
    OutputLengths,
    TrafficOptions,
)
from ui.layout import bounded_number
from ui.resources import catalog, model_choices

SHAPES = {"concurrency": "Requests in flight", "rate": "Requests per second (Poisson arrivals)"}
BATCHING = {"both": "Both, side by side", "continuous": "Continuous batching", "none": "One at a time"}
LEVEL_CHOICES = {"concurrency": [1, 2, 4, 8, 16, 32, 64], "rate": [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0]}
LIMIT_HELP = "A level stops sending at its limit and ends the requests still running"
OUTPUT_HELP = "Pinned per request; a range draws each request's length uniformly (seeded)"
DEFAULT_LEVELS = {"concurrency": list(DEFAULT_CONCURRENCY), "rate": list(DEFAULT_RATES)}


@dataclass(frozen=True)
class TrafficInputs:
    lanes: list[str]
    levels: list[float]
    options: TrafficOptions | None
    problem: str = ""
    """Why the inputs cannot be planned (shown instead of running)."""


def _lanes(models: list[str], batching: str) -> list[str]:
    """Each local model once per batching choice; endpoints batch (or not) on their own server."""
    remote = {spec.key for spec in catalog() if spec.source in ("endpoint", "replay")}
    lanes = []
    for model in models:
        if model in remote or model.startswith(("openai:", "replay:")):
            lanes.append(model)
            continue
        if batching in ("both", "none"):
            lanes.append(model)
        if batching in ("both", "continuous"):
            lanes.append(f"{model}:batching=continuous")
    return lanes


def traffic_inputs() -> TrafficInputs:
    names, choices = model_choices()
    default = [DEFAULT_MODELS[0]] if DEFAULT_MODELS[0] in choices else choices[:1]
    left, right = st.columns([1, 1])
    models = left.multiselect("Models", choices, default=default, format_func=lambda r: names.get(r, r),
                              key="traffic_models")  # fmt: skip
    batching = right.segmented_control(
        "Local models answer", list(BATCHING), default="both", format_func=BATCHING.get, key="traffic_batching",
        help="Continuous batching (transformers' scheduler) lets concurrent requests share each forward pass; "
        "one at a time is the plain baseline: each request waits for the model",
    ) or "both"  # fmt: skip
    shape_col, levels_col = st.columns([2, 3])
    kind = shape_col.radio("Load", list(SHAPES), format_func=SHAPES.get, key="traffic_shape")
    levels = levels_col.multiselect(
        "Levels" + (" (requests in flight)" if kind == "concurrency" else " (requests per second)"),
        LEVEL_CHOICES[kind], default=DEFAULT_LEVELS[kind], accept_new_options=True, key=f"traffic_levels_{kind}",
    )  # fmt: skip
    count_col, limit_col, out_col, ttft_col, tpot_col = st.columns(5)
    _, most, _ = TrafficOptions.bounds("requests")
    requests = count_col.number_input("Requests per level", 0, most, 0, key="traffic_requests",
                                      help="0: twice the concurrency, at least 8 (rate: 8)")  # fmt: skip
    limit = bounded_number(limit_col, "Time limit per level (s)", TrafficOptions.bounds("time_limit_s"),
                           key="traffic_limit", help=LIMIT_HELP)  # fmt: skip
    output = out_col.text_input("Output tokens (N or LOW-HIGH)", "32", key="traffic_output", help=OUTPUT_HELP)
    ttft = bounded_number(ttft_col, "TTFT objective (s)", LatencyObjective.bounds("ttft_s"), key="traffic_ttft_slo")
    tpot = bounded_number(tpot_col, "TPOT objective (s)", LatencyObjective.bounds("tpot_s"), key="traffic_tpot_slo",
                          format="%.3f")  # fmt: skip
    st.caption(f"Prompt set: {PROMPT_SET_SPREAD}. Goodput counts the requests meeting both objectives.")
    try:
        objective = LatencyObjective(ttft_s=ttft, tpot_s=tpot)
        options = TrafficOptions(kind=kind, requests=int(requests) or None, time_limit_s=limit,
                                 output_lengths=OutputLengths.parse(output), objective=objective)  # fmt: skip
        values = [float(v) for v in levels]
    except ValueError as exc:
        return TrafficInputs(_lanes(models, batching), [], None, str(exc))
    return TrafficInputs(_lanes(models, batching), values, options)
