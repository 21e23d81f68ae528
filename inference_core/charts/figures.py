"""Pure chart builders: tidy DataFrame in, ``altair.Chart`` out (testable via ``to_dict()``)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from inference_core.charts.colors import COLORS, MODEL_ORDER, PALETTE, model_color, model_scale
from inference_core.charts.price_charts import (
    answer_price_fits,
    api_answer_lines,
    api_lines_layer,
    api_rules,
    input_price_fits,
)
from inference_core.charts.traffic_charts import traffic_charts
from inference_core.measure import UNITS, fit_output_length, short_name, summarize_rows
from inference_core.price import levels_from_rows

__all__ = ["COLORS", "MODEL_ORDER", "experiment_charts", "model_color", "model_scale"]

TITLES = {
    "ttft_s": "Time to first token",
    "decode_tok_per_s": "Decode speed",
    "e2e_s": "End-to-end time",
    "model_memory_mb": "Model memory",
    "peak_rss_mb": "Peak memory (process RSS)",
    "tokens": "Tokens in and out",
    "tokens_out": "Output tokens",
    "tokens_in": "Input tokens",
    "tpot_s": "Time per output token",
    "prefill_tok_per_s": "Prefill speed",
    "weights_mb": "Weights",
    "kv_cache_mb": "KV cache",
    "usd_per_1m_out": "Price per 1M output tokens",
    "usd_answer": "Price of this answer",
    "roofline_tok_per_s": "Memory-bandwidth limit",
}
FORMATS = {"s": ".2f", "tok/s": ".1f", "MB": ",.0f", "tokens": "d", "$": "$.4f"}


def axis_title(metric: str) -> str:
    unit = UNITS.get(metric)
    return f"{TITLES.get(metric, metric)} ({unit})" if unit else TITLES.get(metric, metric)


def _headroom(values: pd.Series) -> float:
    """Axis end with room for the value labels printed past the longest bar."""
    top = float(values.max()) if len(values) else 1.0
    return top * 1.2 if top > 0 else 1.0


def lane_bars(
    frame: pd.DataFrame, metric: str, *, width: int | str = "container", label_at: str | None = None
) -> alt.Chart:
    """One horizontal bar per lane, value printed at the bar's end (or at ``label_at``); unit in the title."""
    label_x = label_at or metric
    data = frame.dropna(subset=[metric])[list(dict.fromkeys(["lane", "model", metric, label_x]))]
    names = frame["model_name"] if "model_name" in frame else frame["model"]
    data = data.assign(name=names.loc[data.index].map(short_name))
    fmt = FORMATS.get(UNITS.get(metric, ""), ".3g")
    base = alt.Chart(data, title=alt.TitleParams(axis_title(metric), anchor="start"), width=width,
                     height=alt.Step(28))  # fmt: skip
    bars = base.mark_bar(cornerRadiusEnd=3).encode(
        x=alt.X(f"{metric}:Q", title=None, scale=alt.Scale(domain=[0, _headroom(data[label_x])], nice=False)),
        y=alt.Y("lane:N", title=None, sort=None, axis=alt.Axis(labelLimit=240)),
        color=alt.Color("name:N", legend=None, scale=model_scale(data["name"])),
        tooltip=[alt.Tooltip("lane:N"), alt.Tooltip(f"{metric}:Q", title=axis_title(metric), format=fmt)],
    )
    labels = base.mark_text(align="left", dx=4, fontSize=11).encode(
        x=alt.X(f"{label_x}:Q"),
        y=alt.Y("lane:N", sort=None),
        text=alt.Text(f"{metric}:Q", format=fmt),
        tooltip=[alt.Tooltip("lane:N"), alt.Tooltip(f"{metric}:Q", title=axis_title(metric), format=fmt)],
    )
    return bars + labels


def token_bars(frame: pd.DataFrame, *, width: int | str = "container") -> alt.Chart:
    """Input and output tokens per lane, side by side."""
    data = frame.melt(
        id_vars=["lane"], value_vars=["tokens_in", "tokens_out"], var_name="kind", value_name="tokens"
    ).dropna()
    data["kind"] = data["kind"].map({"tokens_in": "input", "tokens_out": "output"})
    return (
        alt.Chart(data, title=TITLES["tokens"] + " (tokens)", width=width, height=alt.Step(14))
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            x=alt.X("tokens:Q", title=None),
            y=alt.Y("lane:N", title=None, sort=None, axis=alt.Axis(labelLimit=240)),
            yOffset=alt.YOffset("kind:N", sort=["input", "output"]),
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(domain=["input", "output"], range=["#9ecae9", "#4c78a8"]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=["lane:N", "kind:N", alt.Tooltip("tokens:Q", format="d")],
        )
    )


def compare_charts(frame: pd.DataFrame) -> dict[str, alt.Chart]:
    """The Compare page's small multiples, one chart per metric, only for lanes that finished."""
    done = frame[frame["status"] != "error"]
    if done.empty:
        return {}
    metrics = ("ttft_s", "decode_tok_per_s", "e2e_s", "model_memory_mb")
    charts: dict[str, alt.Chart] = {m: lane_bars(done, m) for m in metrics if done[m].notna().any()}
    charts["tokens"] = token_bars(done)
    return charts


def _series(summary: pd.DataFrame) -> pd.Series:
    return summary["model_name"].map(short_name) + " · " + summary["setting"]


def sweep_chart(
    summary: pd.DataFrame,
    x: str,
    y: str,
    *,
    log_x: bool = False,
    log_y: bool = False,
    labels: bool = False,
    fits: pd.DataFrame | None = None,
    width: int | str = "container",
) -> alt.LayerChart:
    """Median points with min-max error bars, one colour per model and setting.

    ``fits`` (columns series, x, y) adds a dashed fitted line per series; ``labels``
    writes the model name next to each point (for the model-size experiment).
    """
    data = summary.assign(series=_series(summary), name=summary["model_name"].map(short_name))
    data = data.dropna(subset=[x, y])
    x_scale = alt.Scale(type="log", padding=60) if log_x else alt.Scale(zero=False)
    whole = x in ("concurrency", "tokens_out", "tokens_in")
    x_axis = alt.Axis(tickMinStep=1, format="d") if whole else alt.Axis()
    x_enc = alt.X(f"{x}:Q", title=axis_title(x) if x in UNITS else AXIS_EXTRA.get(x, x), scale=x_scale, axis=x_axis)
    legend = None if labels else alt.Legend(orient="bottom", direction="vertical", labelLimit=420)
    color = alt.Color("name:N", title=None, scale=model_scale(data["name"]), legend=legend)
    several = data.groupby("name")["setting"].nunique().max() > 1 if len(data) else False
    dash = (alt.StrokeDash("setting:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=420))
            if several else alt.value([1, 0]))  # fmt: skip
    tooltip = _point_tooltip(x, y)
    if "weights" not in data:
        data = data.assign(weights="trained")
    data = data.assign(weights=data["weights"].map(WEIGHTS_LEGEND))
    base = alt.Chart(data)
    y_enc = alt.Y(f"{y}:Q", title=None, scale=alt.Scale(type="log") if log_y else alt.Scale())  # titled above
    layers = [
        base.mark_rule(strokeWidth=2, opacity=0.6).encode(
            x=x_enc, y=f"{y}_low:Q", y2=f"{y}_high:Q", color=color, detail="series:N", tooltip=tooltip
        ),
        base.mark_line(opacity=0.35 if fits is not None else 0.9).encode(
            x=x_enc, y=y_enc, color=color, detail="series:N", strokeDash=dash, tooltip=tooltip
        ),
        base.mark_point(size=80, filled=True, opacity=1).encode(
            x=x_enc, y=y_enc, color=color, tooltip=tooltip, shape=_weights_shape(data)
        ),
    ]
    if fits is not None and not fits.empty:
        layers.append(
            alt.Chart(fits).mark_line(strokeDash=[6, 4], strokeWidth=2).encode(
                x=alt.X("x:Q"), y=alt.Y("y:Q"), color=alt.Color("name:N", scale=model_scale(data["name"])),
                detail="series:N",
                tooltip=[alt.Tooltip("series:N"), alt.Tooltip("fit:N", title="fitted")],
            )
        )  # fmt: skip
    if labels:
        layers += _point_labels(data, x, x_enc, y, tooltip)
    return alt.layer(*layers, title=alt.TitleParams(axis_title(y), anchor="start")).properties(width=width,
                                                                                                height=240)  # fmt: skip


def _point_tooltip(x: str, y: str) -> list[alt.Tooltip]:
    fmt = FORMATS.get(UNITS.get(y, ""), ".3g")
    return [
        alt.Tooltip("series:N", title="model · setting"),
        alt.Tooltip(f"{x}:Q", title=AXIS_EXTRA.get(x, axis_title(x)), format=",.0f"),
        alt.Tooltip(f"{y}:Q", title=f"{axis_title(y)}, median", format=fmt),
        alt.Tooltip(f"{y}_low:Q", title="min", format=fmt),
        alt.Tooltip(f"{y}_high:Q", title="max", format=fmt),
        alt.Tooltip("runs:Q", title="runs"),
    ]


def _point_labels(data: pd.DataFrame, x: str, x_enc: alt.X, y: str, tooltip: list) -> list[alt.Chart]:
    """Model names alternately above and below the points, so neighbours on a log axis do not collide."""
    ordered = data.sort_values(x).reset_index(drop=True)
    return [
        alt.Chart(ordered[ordered.index % 2 == parity])
        .mark_text(align="center", dy=dy, fontSize=11)
        .encode(x=x_enc, y=f"{y}:Q", text="name:N", tooltip=tooltip)
        for parity, dy in ((0, -12), (1, 16))
    ]


WEIGHTS_LEGEND = {"trained": "trained weights", "random": "shape only (random weights)"}


def _weights_shape(data: pd.DataFrame) -> alt.Shape:
    """Circles for trained models, diamonds for shape-only ones; a legend only when both kinds are shown."""
    shown = data["weights"].nunique() > 1 or (data["weights"] == WEIGHTS_LEGEND["random"]).any()
    return alt.Shape(
        "weights:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=260) if shown else None,
        scale=alt.Scale(domain=list(WEIGHTS_LEGEND.values()), range=["circle", "diamond"]),
    )  # fmt: skip


def roofline_line(summary: pd.DataFrame, bandwidth_gb_s: float | None) -> alt.Chart | None:
    """The decode-speed limit at each size: bandwidth / bytes of weights read per token (a dashed grey line)."""
    data = summary.dropna(subset=["roofline_tok_per_s"]) if "roofline_tok_per_s" in summary else pd.DataFrame()
    if data.empty:
        return None
    data = data.sort_values("params_m").assign(
        label=f"memory-bandwidth limit: {bandwidth_gb_s or 0:.1f} GB/s / weight bytes"
    )
    tooltip = [alt.Tooltip("label:N", title="line"), alt.Tooltip("series:N", title="at the weights of"),
               alt.Tooltip("roofline_tok_per_s:Q", title="limit, tok/s", format=".1f")]  # fmt: skip
    line = (
        alt.Chart(data)
        .mark_line(strokeDash=[4, 4], color="#888")
        .encode(x=alt.X("params_m:Q", title=None), y=alt.Y("roofline_tok_per_s:Q", title=None), tooltip=tooltip)
    )
    name = (
        alt.Chart(data.head(1))
        .mark_text(align="left", dx=6, dy=-6, fontSize=10, color="#666")
        .encode(x="params_m:Q", y="roofline_tok_per_s:Q", text=alt.value("bandwidth limit"), tooltip=tooltip)
    )
    return alt.layer(line, name)


AXIS_EXTRA = {"params_m": "Parameters (millions, log scale)", "concurrency": "Concurrent requests"}


def setting_bars(summary: pd.DataFrame, metric: str, *, width: int | str = "container") -> alt.LayerChart:
    """The settings experiment: one bar per setting with its min-max range."""
    data = summary.assign(lane=summary["setting"]).dropna(subset=[metric])
    chart = lane_bars(data.assign(model=data["model_name"]), metric, width=width, label_at=f"{metric}_high")
    errors = (
        alt.Chart(data)
        .mark_rule(strokeWidth=2, color="#333")
        .encode(
            x=f"{metric}_low:Q",
            x2=f"{metric}_high:Q",
            y=alt.Y("lane:N", sort=None),
            tooltip=[
                alt.Tooltip("lane:N", title="setting"),
                alt.Tooltip(f"{metric}_low:Q", title="min"),
                alt.Tooltip(f"{metric}_high:Q", title="max"),
            ],
        )
    )
    return alt.layer(chart, errors)


def output_fit_lines(rows: pd.DataFrame) -> pd.DataFrame:
    """Fitted ``e2e = ttft + (n - 1) * tpot`` lines, two points each, labelled with the slope."""
    records = []
    low, high = rows["tokens_out"].min(), rows["tokens_out"].max()
    for fit in fit_output_length(rows):
        series = _series(pd.DataFrame({"model_name": [fit.model_name], "setting": [fit.setting]})).iloc[0]
        label = fit.describe()
        for n in (low, high):
            records.append({"series": series, "name": short_name(fit.model_name), "x": n,
                            "y": fit.ttft_s + (n - 1) * fit.tpot_s, "fit": label})  # fmt: skip
    return pd.DataFrame(records)


def experiment_charts(experiment: str, rows: pd.DataFrame, apis: pd.DataFrame | None = None) -> dict[str, alt.Chart]:
    """The charts of one experiment, from its tidy rows (one per counted run); ``apis`` (option,
    usd_per_1m_in, usd_per_1m_out) adds API prices for the same token counts to the price charts."""
    if experiment == "traffic":
        return traffic_charts(levels_from_rows(rows))
    ok = rows[rows["ok"]] if not rows.empty else rows
    if ok.empty:
        return {}
    builders = {"output-length": _output_length_charts, "input-length": _input_length_charts,
                "model-size": _model_size_charts}  # fmt: skip
    build = builders.get(experiment, _settings_charts)
    return build(summarize_rows(ok), ok, apis if apis is not None else pd.DataFrame())


def _priced(summary: pd.DataFrame, metric: str) -> bool:
    return metric in summary and summary[metric].notna().any()


def _output_length_charts(summary: pd.DataFrame, ok: pd.DataFrame, apis: pd.DataFrame) -> dict[str, alt.Chart]:
    charts: dict[str, alt.Chart] = {
        "e2e_s": sweep_chart(summary, "tokens_out", "e2e_s", fits=output_fit_lines(ok)),
        "model_memory_mb": sweep_chart(summary, "tokens_out", "model_memory_mb"),
        "kv_cache_mb": sweep_chart(summary, "tokens_out", "kv_cache_mb"),
        "decode_tok_per_s": sweep_chart(summary, "tokens_out", "decode_tok_per_s"),
    }
    if _priced(summary, "usd_answer"):
        charts["usd_answer"] = _answer_price(summary, ok, apis, "tokens_out", answer_price_fits(ok))
    return charts


def _answer_price(summary: pd.DataFrame, ok: pd.DataFrame, apis: pd.DataFrame, x: str, fits: pd.DataFrame) -> Any:
    """$ per answer against ``x``: measured points, the fitted line, and API prices for the same tokens."""
    price = sweep_chart(summary, x, "usd_answer", fits=fits, log_y=True)
    lines = api_answer_lines(apis, ok, x)
    return alt.layer(price, api_lines_layer(lines)) if not lines.empty else price


def _input_length_charts(summary: pd.DataFrame, ok: pd.DataFrame, apis: pd.DataFrame) -> dict[str, alt.Chart]:
    charts: dict[str, alt.Chart] = {
        "ttft_s": sweep_chart(summary, "tokens_in", "ttft_s"),
        "prefill_tok_per_s": sweep_chart(summary, "tokens_in", "prefill_tok_per_s"),
        "kv_cache_mb": sweep_chart(summary, "tokens_in", "kv_cache_mb"),
        "e2e_s": sweep_chart(summary, "tokens_in", "e2e_s"),
    }
    if _priced(summary, "usd_answer"):
        charts["usd_answer"] = _answer_price(summary, ok, apis, "tokens_in", input_price_fits(ok))
    return charts


def _model_size_charts(summary: pd.DataFrame, ok: pd.DataFrame, apis: pd.DataFrame) -> dict[str, alt.Chart]:
    metrics = ("decode_tok_per_s", "ttft_s", "model_memory_mb", "usd_per_1m_out")
    charts: dict[str, alt.Chart] = {
        m: sweep_chart(summary, "params_m", m, log_x=True, labels=True, log_y=m == "usd_per_1m_out")
        for m in metrics
        if _priced(summary, m)
    }
    bandwidth = ok["bandwidth_gb_s"].dropna() if "bandwidth_gb_s" in ok else pd.Series(dtype=float)
    limit = roofline_line(summary.assign(series=_series(summary)), bandwidth.max() if len(bandwidth) else None)
    if limit is not None and "decode_tok_per_s" in charts:
        charts["decode_tok_per_s"] = alt.layer(charts["decode_tok_per_s"], limit)
    if "usd_per_1m_out" in charts and not apis.empty:
        charts["usd_per_1m_out"] = alt.layer(charts["usd_per_1m_out"], api_rules(apis))
    return charts


def _settings_charts(summary: pd.DataFrame, ok: pd.DataFrame, apis: pd.DataFrame) -> dict[str, alt.Chart]:
    metrics = ("decode_tok_per_s", "ttft_s", "weights_mb", "model_memory_mb", "usd_per_1m_out")
    charts: dict[str, alt.Chart] = {m: setting_bars(summary, m) for m in metrics if _priced(summary, m)}
    if "usd_per_1m_out" in charts and not apis.empty:
        charts["usd_per_1m_out"] = alt.layer(charts["usd_per_1m_out"], api_rules(apis, horizontal=False))
    return charts


CLOUD_MB = 2700.0
"""Memory of a Streamlit Community Cloud app (about 2.7 GB), drawn on the memory charts."""
KIND_COLORS = alt.Scale(domain=["self-hosted", "API"], range=["#4c78a8", "#e45756"])


def price_vs_params(self_hosted: pd.DataFrame, apis: pd.DataFrame, *, width: int | str = "container") -> alt.LayerChart:
    """$ per 1M output tokens: measured models by size (points), APIs as dashed reference lines."""
    points = self_hosted.dropna(subset=["usd_per_1m_out", "params_m"])
    y = alt.Y("usd_per_1m_out:Q", title="$ (log scale)", scale=alt.Scale(type="log"))
    tooltip = [alt.Tooltip("option:N"), alt.Tooltip("usd_per_1m_out:Q", title="$ per 1M out", format="$.3f")]
    dots = (
        alt.Chart(points)
        .mark_point(filled=True, size=110, color="#4c78a8")
        .encode(
            x=alt.X("params_m:Q", title="Parameters (millions, log scale)", scale=alt.Scale(type="log", padding=50)),
            y=y,
            tooltip=[*tooltip, alt.Tooltip("decode_tok_per_s:Q", title="decode tok/s", format=".1f")],
        )
    )
    names = dots.mark_text(dy=-12, fontSize=11).encode(text="option:N")
    rules = alt.Chart(apis).mark_rule(strokeDash=[5, 4], color="#e45756", opacity=0.7).encode(y=y, tooltip=tooltip)
    api_names = (
        alt.Chart(apis)
        .mark_text(align="right", dx=-2, dy=-6, fontSize=10, color="#e45756")
        .encode(y=y, x=alt.value(alt.expr("width")), text="option:N", tooltip=tooltip)
    )
    return alt.layer(rules, api_names, dots, names, title="Price per 1M output tokens: self-hosted vs APIs").properties(
        width=width, height=300
    )


def answer_cost_chart(curve: pd.DataFrame, *, width: int | str = "container") -> alt.Chart:
    """The cost of one answer as it grows, one line per option (APIs dashed)."""
    return (
        alt.Chart(curve, title="Cost of one answer as it grows")
        .mark_line(point=alt.OverlayMarkDef(size=30))
        .encode(
            x=alt.X("tokens_out:Q", title="Output tokens"),
            y=alt.Y("usd_answer:Q", title="$ (log scale)", scale=alt.Scale(type="log")),
            color=alt.Color(
                "option:N",
                title=None,
                scale=alt.Scale(scheme=PALETTE),
                legend=alt.Legend(orient="right", labelLimit=260),
            ),
            strokeDash=alt.StrokeDash(
                "kind:N", title=None, scale=alt.Scale(domain=["self-hosted", "API"], range=[[1, 0], [5, 4]])
            ),
            tooltip=[
                alt.Tooltip("option:N"),
                alt.Tooltip("tokens_out:Q", title="output tokens"),
                alt.Tooltip("usd_answer:Q", title="$ per answer", format="$.6f"),
            ],
        )
        .properties(width=width, height=300)
    )


def monthly_chart(monthly: pd.DataFrame, *, width: int | str = "container") -> alt.LayerChart:
    """A month of traffic per option, cheapest first."""
    base = alt.Chart(monthly, title="Monthly cost of this traffic ($)").encode(
        y=alt.Y("option:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("usd_per_month:Q", title=None, scale=alt.Scale(domain=[0, _headroom(monthly["usd_per_month"])])),
        tooltip=[
            alt.Tooltip("option:N"),
            alt.Tooltip("usd_per_month:Q", title="$ per month", format="$,.2f"),
            alt.Tooltip("machines:Q", title="machines"),
            alt.Tooltip("busy_share:Q", title="machine busy", format=".0%"),
        ],
    )
    bars = base.mark_bar(cornerRadiusEnd=3).encode(color=alt.Color("kind:N", title=None, scale=KIND_COLORS))
    labels = base.mark_text(align="left", dx=4, fontSize=11).encode(text=alt.Text("usd_per_month:Q", format="$,.0f"))
    return alt.layer(bars, labels).properties(width=width, height=alt.Step(26))


def estimate_chart(estimates: pd.DataFrame, *, width: int | str = "container") -> alt.LayerChart:
    """Memory needed per model and weight format, stacked by part, against what is free."""
    parts = {"weights_mb": "weights", "kv_cache_mb": "KV cache", "overhead_mb": "runtime + tokenizer"}
    data = estimates.assign(option=estimates["model"].map(short_name) + " · " + estimates["weights"])
    long = data.melt(id_vars=["option", "total_mb", "verdict"], value_vars=list(parts), var_name="part",
                     value_name="mb")  # fmt: skip
    long["stack"] = long["part"].map({name: i for i, name in enumerate(parts)})  # weights first
    long["part"] = long["part"].map(parts)
    bars = (
        alt.Chart(long, title="Memory needed (MB) against what is free")
        .mark_bar()
        .encode(
            y=alt.Y("option:N", title=None, sort=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("sum(mb):Q", title=None),
            color=alt.Color(
                "part:N",
                title=None,
                sort=list(parts.values()),
                scale=alt.Scale(range=["#4c78a8", "#f58518", "#bab0ac"]),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("stack:Q"),
            tooltip=[
                "option:N",
                "part:N",
                alt.Tooltip("mb:Q", title="MB", format=",.0f"),
                alt.Tooltip("total_mb:Q", title="total MB", format=",.0f"),
                "verdict:N",
            ],
        )
    )
    free = float(estimates["available_mb"].min())
    limits = [(CLOUD_MB, f"a Community Cloud app ({CLOUD_MB:,.0f} MB)", "#b279a2")]
    if free * 0.7 <= 3 * float(estimates["total_mb"].max()):  # draw this machine's limit only when it is in view
        limits.append((free * 0.7, f"70% of free memory here ({free * 0.7:,.0f} MB)", "#e45756"))
    layers = [bars]
    for mb, label, color in limits:
        limit = pd.DataFrame({"mb": [mb], "label": [label]})
        rule = alt.Chart(limit).mark_rule(color=color, strokeDash=[5, 4]).encode(x="mb:Q", tooltip=["label:N"])
        name = (
            alt.Chart(limit)
            .mark_text(align="left", dx=4, y=6, fontSize=10, color=color)
            .encode(x="mb:Q", text="label:N")
        )
        layers += [rule, name]
    return alt.layer(*layers).properties(width=width, height=alt.Step(22))
