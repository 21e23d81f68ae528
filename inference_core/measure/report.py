"""Results -> tidy tables and exports (CSV / JSON, always with the environment)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from inference_core.measure.metrics import METRIC_FORMULAS
from inference_core.types import RunResult, Settings

# Column -> unit shown in table headers and axis titles.
UNITS: dict[str, str] = {
    "tokens_in": "tokens",
    "tokens_out": "tokens",
    "ttft_s": "s",
    "server_ttft_s": "s",
    "tpot_s": "s",
    "itl_p50_s": "s",
    "itl_p95_s": "s",
    "e2e_s": "s",
    "decode_tok_per_s": "tok/s",
    "prefill_tok_per_s": "tok/s",
    "model_memory_mb": "MB",
    "peak_rss_mb": "MB",
    "rss_delta_mb": "MB",
    "weights_mb": "MB",
    "kv_cache_mb": "MB",
    "load_s": "s",
    "usd_per_1m_in": "$",
    "usd_per_1m_out": "$",
    "usd_answer": "$",
    "roofline_tok_per_s": "tok/s",
    "hourly_usd": "$/h",
    "utilization_pct": "%",
    "energy_j": "J",
}
SWEEP_ONLY = ("roofline_tok_per_s",)  # figures of a whole sweep, not of one lane
METRIC_COLUMNS = tuple(column for column in UNITS if column not in SWEEP_ONLY)


BETWEEN_TOKENS = ("tpot_s", "itl_p50_s", "itl_p95_s", "decode_tok_per_s", "usd_per_1m_out")
"""Figures made of the time between output tokens: undefined for an answer of one token."""


def why_undefined(result: RunResult, name: str) -> str:
    """Why a lane has no value for a figure, in a few words (the figure's "n/a" says it)."""
    if not result.ok:
        return "the lane failed" if not result.stopped else "stopped before it"
    if result.tokens_out == 0:
        return "no token generated"
    if name in BETWEEN_TOKENS and result.tokens_out == 1:
        return "one output token: no time between tokens"
    if name.startswith("usd") or name in ("hourly_usd", "utilization_pct"):
        return "not priced"
    if name == "server_ttft_s":
        return "the server reports no timing"
    return "not measured by this backend"


def figure(result: RunResult, name: str, pattern: str = "{:.3g}") -> str:
    """A lane's figure formatted, or ``n/a (why)`` when it is undefined: never ``None``, never a crash."""
    value = getattr(result, name)
    return pattern.format(value) if value is not None else f"n/a ({why_undefined(result, name)})"


def undefined_figures(results: Sequence[RunResult], names: Sequence[str],
                      labels: dict[str, str] | None = None) -> list[str]:  # fmt: skip
    """One line per lane and reason for the figures it lacks (a table's "n/a" explained); a failed lane says
    so itself and is left out. ``labels``: how the table calls each figure."""
    lines = []
    for index, result in enumerate(results):
        missing: dict[str, list[str]] = {}
        for name in names if result.ok else ():
            if getattr(result, name, 0) is None:
                missing.setdefault(why_undefined(result, name), []).append((labels or {}).get(name, name))
        lines += [f"lane {index + 1}: {', '.join(found)} n/a: {why}" for why, found in missing.items()]
    return lines


def short_name(model_name: str) -> str:
    """``SmolLM2 135M Instruct (Q4_1 GGUF)`` -> ``SmolLM2 135M Instruct``."""
    return model_name.split(" (")[0]


def weights_label(result: RunResult) -> str:
    """How the weights ran: the engine's own format (``Q4_1 (llama.cpp)``), else ``load_label``, and whether the
    weights were random (shape only)."""
    if result.weights_format:
        return result.weights_format
    return load_label(result.settings) + (" shape only" if result.weights == "random" else "")


_GGUF_QUANT = re.compile(r"[.-]((?:I?Q\d\w*)|F16|F32|BF16)\.gguf$", re.IGNORECASE)


def lane_title(name: str, gguf_file: str, settings: Settings) -> str:
    """What a lane runs, in words: ``SmolLM2 135M · float32, dequantized from the Q4_1 GGUF``, ``... · int8, from
    the Q4_1 GGUF``, ``... · the Q4_1 GGUF on llama.cpp`` (``name``: the catalog's, without "(... GGUF)", "Instruct"
    or "base": the title names what runs, short enough for a lane's column)."""
    base = re.sub(r"\s+(Instruct|base)$", "", re.sub(r"\s*\([^)]*GGUF\)$", "", name))
    found = _GGUF_QUANT.search(gguf_file or "")
    quant = found.group(1).upper() if found else ""
    if settings.transformers is None:
        return f"{base} · {'the ' + quant + ' GGUF' if quant else 'its GGUF'} on {settings.engine}"
    if not quant:
        return f"{base} · {load_label(settings)}"
    how = "dequantized from" if settings.transformers.quantize == "none" else "from"
    return f"{base} · {load_label(settings)}, {how} the {quant} GGUF"


def load_label(settings: Settings) -> str:
    """The dtype or quantization with any non-default transformers option (``float32 eager``, ``float32 static
    compiled``, ``float32 fused decoder``); the engine's name on another engine."""
    load = settings.transformers
    if load is None:
        return settings.engine
    options = [load.attention if load.attention != "sdpa" else "", load.cache if load.cache != "dynamic" else "",
               "compiled" if load.compile else "", "batched" if load.batching == "continuous" else "",
               "fused decoder" if settings.decode_loop == "fused" else ""]  # fmt: skip
    return " ".join([load.dtype if load.quantize == "none" else load.quantize, *filter(None, options)])


def load_columns(result: RunResult) -> dict[str, str | None]:
    """A result's dtype, quantization and decode loop as table columns (None where they do not apply)."""
    load = result.settings.transformers if result.backend == "transformers" else None
    return {"dtype": load.dtype if load else None, "quantize": load.quantize if load else None,
            "decoder": result.decoder}  # fmt: skip


def settings_label(result: RunResult, with_length: bool = True) -> str:
    """Weights, sampling and (optionally) the output cap, e.g. ``int8 · greedy · max 64``."""
    s = result.settings
    parts = [weights_label(result)]
    parts.append("greedy" if s.greedy else f"T={s.temperature:g} seed={s.seed}")
    if with_length:
        parts.append(f"max {s.max_new_tokens}")
    return " · ".join(parts)


def lane_label(index: int, result: RunResult) -> str:
    """Short and unique: number, model name without its packaging note, weight format."""
    stopped = " (stopped)" if result.stopped else ""
    return f"{index + 1}. {short_name(result.model_name)} · {weights_label(result)}{stopped}"


def results_frame(results: Sequence[RunResult]) -> pd.DataFrame:
    """One row per lane: identity, status and every metric (units in UNITS)."""
    rows: list[dict[str, Any]] = []
    for index, result in enumerate(results):
        row: dict[str, Any] = {
            "lane": lane_label(index, result),
            "model": result.model,
            "model_name": result.model_name,
            "params_m": result.params_m,
            **load_columns(result),
            "backend": result.backend,
            "weights": result.weights,
            "status": "stopped" if result.stopped else ("done" if result.ok else "error"),
            "error": result.error,
            "token_count_source": result.token_count_source,
        }
        row.update({name: getattr(result, name) for name in METRIC_COLUMNS})
        rows.append(row)
    return pd.DataFrame(rows)


REPORT_DATA_ID = "inference-lens-data"
"""The id of the ``<script type="application/json">`` element that holds an HTML report's data."""


def metric_help(column: str) -> str:
    unit = UNITS.get(column, "")
    formula = METRIC_FORMULAS.get(column, "")
    return f"{formula} [{unit}]" if unit else formula


def result_record(result: RunResult) -> dict[str, Any]:
    """A result as ``compare --json`` prints it: every field (token timings and environment included) and the
    decode loop that ran."""
    return {**result.model_dump(mode="json"), "decoder": result.decoder}


def results_json(results: Sequence[RunResult], **context: Any) -> str:
    """Full results, each as ``result_record``, plus any run context."""
    rows = [result_record(r) for r in results]
    return json.dumps({**context, "results": rows}, indent=2, default=str)


def with_environment(frame: pd.DataFrame, environment: dict[str, Any]) -> pd.DataFrame:
    """The frame with the environment it was measured on as ``env_*`` columns."""
    extra = {f"env_{k}": json.dumps(v) if isinstance(v, dict) else v for k, v in environment.items()}
    return frame.assign(**extra) if not frame.empty else frame


def results_csv(results: Sequence[RunResult]) -> str:
    """The results table with the environment flattened into columns."""
    frame = results_frame(results)
    return with_environment(frame, results[0].environment if results else {}).to_csv(index=False)
