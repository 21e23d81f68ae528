"""Pure chart builders: tidy DataFrame in, ``altair.Chart`` out (testable via ``to_dict()``)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from inference_core.report import UNITS

PALETTE = "tableau10"
TITLES = {
    "ttft_s": "Time to first token",
    "decode_tok_per_s": "Decode speed",
    "e2e_s": "End-to-end time",
    "peak_rss_mb": "Peak memory (process RSS)",
    "tokens": "Tokens in and out",
    "tpot_s": "Time per output token",
    "prefill_tok_per_s": "Prefill speed",
    "weights_mb": "Weights",
    "kv_cache_mb": "KV cache",
    "usd_per_1m_out": "Price per 1M output tokens",
    "usd_answer": "Price of this answer",
}
FORMATS = {"s": ".2f", "tok/s": ".1f", "MB": ",.0f", "tokens": "d", "$": "$.4f"}


def axis_title(metric: str) -> str:
    unit = UNITS.get(metric)
    return f"{TITLES.get(metric, metric)} ({unit})" if unit else TITLES.get(metric, metric)


def _headroom(values: pd.Series) -> float:
    """Axis end with room for the value labels printed past the longest bar."""
    top = float(values.max()) if len(values) else 1.0
    return top * 1.2 if top > 0 else 1.0


def lane_bars(frame: pd.DataFrame, metric: str, *, width: int | str = "container") -> alt.Chart:
    """One horizontal bar per lane, value printed at the bar's end; unit in the title."""
    data = frame.dropna(subset=[metric])[["lane", "model", metric]]
    fmt = FORMATS.get(UNITS.get(metric, ""), ".3g")
    base = alt.Chart(data, title=axis_title(metric), width=width, height=alt.Step(28))
    bars = base.mark_bar(cornerRadiusEnd=3).encode(
        x=alt.X(f"{metric}:Q", title=None, scale=alt.Scale(domain=[0, _headroom(data[metric])], nice=False)),
        y=alt.Y("lane:N", title=None, sort=None, axis=alt.Axis(labelLimit=240)),
        color=alt.Color("lane:N", legend=None, scale=alt.Scale(scheme=PALETTE)),
        tooltip=[alt.Tooltip("lane:N"), alt.Tooltip(f"{metric}:Q", title=axis_title(metric), format=fmt)],
    )
    labels = base.mark_text(align="left", dx=4, fontSize=11).encode(
        x=alt.X(f"{metric}:Q"),
        y=alt.Y("lane:N", sort=None),
        text=alt.Text(f"{metric}:Q", format=fmt),
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
    metrics = ("ttft_s", "decode_tok_per_s", "e2e_s", "peak_rss_mb")
    charts: dict[str, alt.Chart] = {m: lane_bars(done, m) for m in metrics if done[m].notna().any()}
    charts["tokens"] = token_bars(done)
    return charts
