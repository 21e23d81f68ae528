"""The traffic experiment's charts, one point per load level (``goodput.levels_from_rows``).

- Latency against throughput: the curve serving engines are judged by. Each point is a load
  level (labelled with its concurrency or rate); the median, with a thin line up to the p99.
- Goodput against load: requests per second meeting the latency objective, beside all completed
  requests per second.
- Price per 1M output tokens at each load level: a busy machine is cheaper per token.
- Time to first token against load: the wait grows as requests compete.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from inference_core.charts.colors import model_scale
from inference_core.measure import short_name

LOAD_TITLES = {"concurrency": "Requests in flight", "rate": "Request rate (requests/s)"}
HEIGHT = 240
MODE_DASHES = {"continuous batching": [1, 0], "one at a time": [6, 4], "served (its server batches)": [2, 2]}


def serving_mode(model: str, setting: str) -> str:
    """How a lane answers concurrent requests, in the legend's words."""
    if "batched" in setting:
        return "continuous batching"
    return "served (its server batches)" if str(model).startswith("openai:") else "one at a time"


def _series(levels: pd.DataFrame) -> pd.DataFrame:
    name = levels["model_name"].map(short_name)
    models = levels["model"] if "model" in levels else levels["model_name"]
    mode = [serving_mode(m, s) for m, s in zip(models, levels["setting"], strict=True)]
    return levels.assign(name=name, series=name + " · " + levels["setting"], mode=mode,
                         level=levels["value"].map("{:g}".format))  # fmt: skip


def _encodings(data: pd.DataFrame) -> tuple[alt.Color, alt.StrokeDash]:
    """Colour per model (a legend only when there are several), dashes per serving mode."""
    legend = alt.Legend(orient="bottom", direction="vertical", labelLimit=420) if data["name"].nunique() > 1 else None
    color = alt.Color("name:N", title=None, scale=model_scale(data["name"]), legend=legend)
    modes = [mode for mode in MODE_DASHES if mode in set(data["mode"])]
    dash = alt.StrokeDash("mode:N", title=None, scale=alt.Scale(domain=modes, range=[MODE_DASHES[m] for m in modes]),
                          legend=alt.Legend(orient="bottom", labelLimit=420, symbolType="stroke",
                                            symbolStrokeWidth=2, symbolSize=300, symbolStrokeColor="#666"))  # fmt: skip
    return color, dash


def _load_axis(data: pd.DataFrame, load: str) -> alt.X:
    """Load levels on a log axis when they span 8x or more (1, 2, 4 ... 64), whole numbers for concurrency."""
    values = data["value"].astype(float)
    wide = len(values) and values.min() > 0 and values.max() / values.min() >= 8
    scale = alt.Scale(type="log", base=2) if wide else alt.Scale(zero=False)
    axis = alt.Axis(format="d", tickMinStep=1) if load == "concurrency" else alt.Axis(format="g")
    return alt.X("value:Q", title=LOAD_TITLES.get(load, load), scale=scale, axis=axis)


def _tooltip(load: str) -> list[alt.Tooltip]:
    return [
        alt.Tooltip("series:N", title="model · setting"),
        alt.Tooltip("value:Q", title=LOAD_TITLES.get(load, load), format="g"),
        alt.Tooltip("completed:Q", title="completed requests"),
        alt.Tooltip("failures:Q", title="failures"),
        alt.Tooltip("output_tok_per_s:Q", title="output tokens/s, all requests", format=".1f"),
        alt.Tooltip("ttft_p50_s:Q", title="TTFT p50 (s)", format=".2f"),
        alt.Tooltip("ttft_p99_s:Q", title="TTFT p99 (s)", format=".2f"),
        alt.Tooltip("tpot_p50_s:Q", title="TPOT p50 (s)", format=".3f"),
        alt.Tooltip("goodput_rps:Q", title="goodput (requests/s)", format=".2f"),
    ]


def latency_throughput(levels: pd.DataFrame, latency: str, title: str) -> alt.LayerChart:
    """``latency`` (``ttft`` or ``tpot``) p50 against output tokens/s, points in load order, p99 drawn up."""
    data = _series(levels).dropna(subset=["output_tok_per_s", f"{latency}_p50_s"]).sort_values("value")
    load = str(data["load"].iloc[0]) if len(data) else "concurrency"
    color, dash = _encodings(data)
    x = alt.X("output_tok_per_s:Q", title="Output tokens/s, all requests together", scale=alt.Scale(zero=True))
    y = alt.Y(f"{latency}_p50_s:Q", title=None, scale=alt.Scale(zero=True))
    base = alt.Chart(data).encode(x=x, color=color, detail="series:N", tooltip=_tooltip(load))
    layers = [
        base.mark_rule(strokeWidth=1.5, opacity=0.45).encode(y=y, y2=f"{latency}_p99_s:Q"),
        base.mark_line(point=alt.OverlayMarkDef(size=70, filled=True), opacity=0.9).encode(
            y=y, strokeDash=dash, order="value:Q"
        ),
        base.mark_text(dx=8, dy=-8, fontSize=11, align="left").encode(y=y, text="level:N"),
    ]
    subtitle = (
        f"each point one load level ({LOAD_TITLES.get(load, load).lower()} written beside it): median, line to p99"
    )
    return alt.layer(*layers, title=alt.TitleParams(title, subtitle=subtitle, anchor="start")).properties(
        width="container", height=HEIGHT
    )


def against_load(levels: pd.DataFrame, metric: str, title: str, *, log_y: bool = False) -> alt.LayerChart:
    """``metric`` at each load level, one line per model and setting."""
    data = _series(levels).dropna(subset=[metric])
    load = str(data["load"].iloc[0]) if len(data) else "concurrency"
    color, dash = _encodings(data)
    x = _load_axis(data, load)
    y = alt.Y(f"{metric}:Q", title=None, scale=alt.Scale(type="log") if log_y else alt.Scale(zero=True))
    chart = (
        alt.Chart(data)
        .mark_line(point=alt.OverlayMarkDef(size=70, filled=True))
        .encode(x=x, y=y, color=color, strokeDash=dash, detail="series:N", tooltip=_tooltip(load))
    )
    return _titled([chart], title, "")


def goodput_chart(levels: pd.DataFrame) -> alt.LayerChart:
    """Goodput (solid) and every completed request (thin, faded) per second at each load level."""
    data = _series(levels).dropna(subset=["goodput_rps"])
    load = str(data["load"].iloc[0]) if len(data) else "concurrency"
    objective = data[["ttft_slo_s", "tpot_slo_s"]].iloc[0] if len(data) else None
    color, dash = _encodings(data)
    base = alt.Chart(data).encode(x=_load_axis(data, load), color=color, detail="series:N", tooltip=_tooltip(load))
    layers = [
        base.mark_line(strokeWidth=5, opacity=0.15).encode(y=alt.Y("request_per_s:Q")),
        base.mark_line(point=alt.OverlayMarkDef(size=70, filled=True)).encode(
            y=alt.Y("goodput_rps:Q", title=None, scale=alt.Scale(zero=True)), strokeDash=dash
        ),
    ]
    subtitle = (f"meeting TTFT ≤ {objective['ttft_slo_s']:g} s and TPOT ≤ {objective['tpot_slo_s']:g} s "
                "(pale: every completed request)" if objective is not None else "")  # fmt: skip
    return alt.layer(
        *layers, title=alt.TitleParams("Goodput (requests/s)", subtitle=subtitle, anchor="start")
    ).properties(width="container", height=HEIGHT)


def _titled(layers: list, title: str, subtitle: str) -> alt.LayerChart:
    params = (
        alt.TitleParams(title, subtitle=subtitle, anchor="start")
        if subtitle
        else alt.TitleParams(title, anchor="start")
    )
    return alt.layer(*layers, title=params).properties(width="container", height=HEIGHT)


def traffic_charts(levels: pd.DataFrame) -> dict[str, alt.Chart]:
    """Every traffic chart for the levels' summaries (empty when there are none)."""
    if levels.empty or not levels["completed"].gt(0).any():
        return {}
    levels = levels[levels["completed"] > 0]
    charts: dict[str, alt.Chart] = {
        "tpot_throughput": latency_throughput(levels, "tpot", "Time per output token (s) against throughput"),
        "ttft_throughput": latency_throughput(levels, "ttft", "Time to first token (s) against throughput"),
        "goodput": goodput_chart(levels),
        "ttft_load": against_load(levels, "ttft_p50_s", "Time to first token, median (s)"),
    }
    if levels["usd_per_1m_out"].notna().any():
        charts["usd_per_1m_out"] = against_load(levels, "usd_per_1m_out", "Price per 1M output tokens ($)", log_y=True)
    return charts
