"""The trade-off view: latency, memory and price against model size and output length, in one figure.

Built from saved runs (comparisons and sweeps, any machine or engine): one tidy row per finished
lane, priced at one machine rate so every point is comparable (an answer costs the machine time
it took), then six small multiples: three rows (time, memory, price) by two columns (model size
on a log axis, output length). Each model and setting keeps one colour across all six.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import altair as alt
import pandas as pd

from inference_core.charts.figures import COLORS, model_color
from inference_core.measure import electricity_usd, settings_label, short_name
from inference_core.price import Electricity, machine_time_usd, usd_per_1m_tokens
from inference_core.types import StoredRun

COLUMNS = (("params_m", "Model size (parameters, millions, log scale)"), ("tokens_out", "Output length (tokens)"))
ROWS = (
    ("Time (s)", (("ttft_s", "TTFT"), ("e2e_s", "End-to-end"))),
    ("Model memory (MB)", (("model_memory_mb", "Model memory"),)),
    ("Price ($, log scale)", (("usd_answer", "$ per answer"), ("usd_per_1m_out", "$ per 1M output tokens"))),
)
SHAPES = {"TTFT": "circle", "End-to-end": "square", "Model memory": "circle", "$ per answer": "circle",
          "$ per 1M output tokens": "triangle-up"}  # fmt: skip
FIELDS = (
    "run_id", "kind", "when", "model_name", "setting", "series", "params_m", "tokens_in", "tokens_out",
    "ttft_s", "e2e_s", "model_memory_mb", "usd_answer", "usd_per_1m_out", "machine", "engine", "weights",
)  # fmt: skip


def tradeoff_frame(
    runs: Iterable[StoredRun], hourly_usd: float, utilization: float, electricity: Electricity | None = None
) -> pd.DataFrame:
    """One row per finished lane of the runs, priced at ``hourly_usd`` and ``utilization`` (share); with
    ``electricity``, each price also pays for the run's energy at the wall (kWh x PUE x $/kWh)."""
    rows: list[dict[str, Any]] = []
    for run in runs:
        for result in run.results:
            if not result.ok or result.e2e_s is None:
                continue
            power = _electricity_usd(result, electricity)
            setting = settings_label(result, with_length=False)
            environment = result.environment
            rows.append({
                "run_id": run.id, "kind": run.kind, "when": run.created_at[:19].replace("T", " "),
                "model_name": short_name(result.model_name), "setting": setting,
                "series": f"{short_name(result.model_name)} · {setting}", "params_m": result.params_m,
                "tokens_in": result.tokens_in, "tokens_out": result.tokens_out, "ttft_s": result.ttft_s,
                "e2e_s": result.e2e_s, "model_memory_mb": result.model_memory_mb or result.weights_mb,
                "usd_answer": _plus(machine_time_usd(result.e2e_s, hourly_usd, utilization), power),
                "usd_per_1m_out": _plus(usd_per_1m_tokens(result.decode_tok_per_s, hourly_usd, utilization),
                                        power and result.tokens_out and power / result.tokens_out * 1e6),
                "machine": environment.get("machine", "?"), "engine": result.backend, "weights": result.weights,
                "environment": json.dumps(environment, sort_keys=True, default=str),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=[*FIELDS, "environment"])


def _electricity_usd(result: Any, electricity: Electricity | None) -> float | None:
    if electricity is None or not result.energy_j:
        return None
    return electricity_usd(result.energy_j, electricity.usd_per_kwh, electricity.pue)


def _plus(price: float | None, extra: float | None) -> float | None:
    return price if price is None or not extra else price + extra


def series_scale(frame: pd.DataFrame) -> alt.Scale:
    """One colour per model and setting, the same in every panel: a model's colour for its first setting,
    the palette's next free colours for its others."""
    domain = sorted(frame["series"].unique())
    used: set[str] = set()
    colors = []
    for series in domain:
        color = model_color(series.split(" · ")[0])
        if color in used:
            color = next((c for c in COLORS if c not in used), color)
        used.add(color)
        colors.append(color)
    return alt.Scale(domain=domain, range=colors)


def _panel(data: pd.DataFrame, x: str, x_title: str, row: tuple, scale: alt.Scale, limits: pd.DataFrame) -> alt.Chart:
    title, measures = row
    long = data.melt(id_vars=[c for c in data if c not in dict(measures)], value_vars=[m for m, _ in measures],
                     var_name="metric", value_name="value").dropna(subset=["value", x])  # fmt: skip
    long = long[long["value"] > 0] if "log" in title else long
    long["measure"] = long["metric"].map(dict(measures))
    x_scale = alt.Scale(type="log") if x == "params_m" else alt.Scale(zero=False)
    y_scale = alt.Scale(type="log") if "log" in title else alt.Scale(zero=True)
    tooltip = [
        "when:N", "kind:N", "series:N", "measure:N", alt.Tooltip("value:Q", format=",.4g"),
        alt.Tooltip("params_m:Q", format=",.0f"), "tokens_in:Q", "tokens_out:Q", "machine:N", "engine:N",
    ]  # fmt: skip
    points = alt.Chart(long).mark_point(filled=True, size=60, opacity=0.85).encode(
        x=alt.X(f"{x}:Q", title=x_title, scale=x_scale, axis=alt.Axis(format=",d" if x == "tokens_out" else ",.0f")),
        y=alt.Y("value:Q", title=title, scale=y_scale),
        color=alt.Color("series:N", scale=scale, title="model · setting", legend=alt.Legend(orient="bottom",
                        columns=2, labelLimit=320)),
        shape=alt.Shape("measure:N", title=None, scale=alt.Scale(domain=list(SHAPES), range=list(SHAPES.values())),
                        legend=alt.Legend(orient="bottom", columns=3)),
        tooltip=tooltip,
    )  # fmt: skip
    layers: list[alt.Chart] = [points]
    if title.startswith("Model memory") and not limits.empty:
        top = float(long["value"].max()) if len(long) else 0.0
        limit = alt.Chart(limits[limits["mb"] <= max(3 * top, limits["mb"].min())])  # limits far above: not drawn
        layers.append(limit.mark_rule(strokeDash=[5, 4], color="#e45756").encode(y="mb:Q", tooltip=["label:N"]))
        layers.append(limit.mark_text(align="left", x=4, dy=-5, fontSize=9, color="#e45756").encode(
            y="mb:Q", text="label:N"))  # fmt: skip
    return alt.layer(*layers).properties(width=360, height=170)


def tradeoff_figure(frame: pd.DataFrame, limits: dict[str, float] | None = None) -> alt.VConcatChart:
    """Six panels: time, memory (with ``limits``: label -> MB, drawn as lines) and price, against model size
    and output length."""
    scale = series_scale(frame)
    bounds = pd.DataFrame([{"label": label, "mb": mb} for label, mb in (limits or {}).items()])
    rows = [alt.hconcat(*[_panel(frame, x, x_title, row, scale, bounds) for x, x_title in COLUMNS]) for row in ROWS]
    title = "Latency, memory and price against model size and output length (measured runs)"
    return alt.vconcat(*rows, title=alt.TitleParams(title, anchor="start")).resolve_scale(color="shared",
                                                                                          shape="shared")  # fmt: skip
