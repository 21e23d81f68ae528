"""One chart per tour chapter, drawn from the chapter's ``points`` (computed from its rows like its sentence):
every run is a mark, so the spread shows, not only the middle."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from inference_core.charts.colors import COLORS
from inference_core.measure import UNITS

WIDTH = 640
RIGHT, WRONG = "#54a24b", "#e45756"


def _colors(order: list[str]) -> alt.Color:
    return alt.Color("condition:N", sort=order, legend=None, scale=alt.Scale(domain=order, range=list(COLORS)))


def _strip(frame: pd.DataFrame, order: list[str], title: str, log: bool = False) -> alt.Chart:
    """Each run's figure by condition, the median marked by a tick."""
    base = alt.Chart(frame).encode(y=alt.Y("condition:N", sort=order, title=None), color=_colors(order))
    scale = alt.Scale(type="log") if log else alt.Scale(zero=True)
    points = base.mark_circle(size=90, opacity=0.7).encode(
        x=alt.X("value:Q", title=title, scale=scale), tooltip=["condition:N", alt.Tooltip("value:Q", format=".4g")])
    medians = base.mark_tick(thickness=3, size=28).encode(x="median(value):Q")
    return (points + medians).properties(width=WIDTH, height=40 * len(order) + 20)


def _tokens(frame: pd.DataFrame) -> alt.Chart:
    """Each token's arrival: a long wait (the prompt read), then a steady staircase (one step per token)."""
    steps = alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=18), interpolate="step-after").encode(
        x=alt.X("time_s:Q", title="seconds since the request", scale=alt.Scale(zero=True)),
        y=alt.Y("token:Q", title="tokens written"),
        color=alt.Color("run:N", legend=alt.Legend(orient="bottom-right", title=None),
                        scale=alt.Scale(range=list(COLORS))),
        tooltip=["run:N", "token:Q", alt.Tooltip("time_s:Q", format=".3f")])  # fmt: skip
    read = alt.Chart(pd.DataFrame([{"start": 0.0, "end": float(frame["ttft_s"].median()),
                                    "what": "reading the prompt, until the first token"}]))  # fmt: skip
    prefill = read.mark_rect(opacity=0.12, color="#888").encode(x="start:Q", x2="end:Q")
    label = read.mark_text(align="left", dx=4, baseline="top", y=4, color="#666").encode(x="start:Q", text="what:N")
    return (steps + prefill + label).properties(width=WIDTH, height=200)


def _samples(frame: pd.DataFrame) -> alt.Chart:
    """How far each answer follows the first greedy one before it parts (the rest of its tokens in grey)."""
    order = list(dict.fromkeys(frame["condition"]))
    base = alt.Chart(frame).encode(y=alt.Y("answer:N", sort=None, title=None),
                                   tooltip=["answer:N", "same_tokens:Q", "tokens:Q", "text:N"])  # fmt: skip
    total = base.mark_bar(color="#ddd").encode(x=alt.X("tokens:Q", title="tokens: shared with the greedy answer, "
                                                                        "then its own"))  # fmt: skip
    same = base.mark_bar().encode(x="same_tokens:Q", color=_colors(order))
    return (total + same).properties(width=WIDTH, height=22 * len(frame) + 20)


def _graded(frame: pd.DataFrame) -> alt.Chart:
    """The model's confidence in each answer, green when right and red when wrong, its answer beside it."""
    frame = frame.assign(verdict=frame["correct"].map({True: "right", False: "wrong"}),
                         asked=frame["prompt"].str.slice(0, 56), said=frame["answer"].str.slice(0, 28))  # fmt: skip
    base = alt.Chart(frame).encode(
        x=alt.X("confidence:Q", title="the model's confidence in its answer", scale=alt.Scale(domain=[0, 1.3]),
                axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1])),
        y=alt.Y("asked:N", sort=None, title=None, axis=alt.Axis(labelLimit=360)),
        tooltip=["prompt:N", "answer:N", "expected:N", "verdict:N", alt.Tooltip("confidence:Q", format=".0%")])
    bars = base.mark_bar().encode(color=alt.Color("verdict:N", scale=alt.Scale(domain=["right", "wrong"],
                                  range=[RIGHT, WRONG]), legend=alt.Legend(orient="top", title=None)))
    said = base.mark_text(align="left", dx=4, fontSize=10, color="#444").encode(text="said:N")
    return (bars + said).properties(width=WIDTH - 200, height=24 * len(frame) + 20)  # fmt: skip


def _memory(frame: pd.DataFrame) -> alt.Chart:
    """Weights memory against parameters: the two measured models, and the ladder's estimates (hollow)."""
    how = frame["estimated"].map({True: "estimated, not run", False: "measured here"})
    frame = frame.assign(how=how, label=frame["model"] + frame["estimated"].map({True: " (estimated)", False: ""}))
    base = alt.Chart(frame).encode(
        x=alt.X("params_m:Q", scale=alt.Scale(type="log"), title="parameters (millions)"),
        y=alt.Y("weights_mb:Q", scale=alt.Scale(type="log"), title="weights memory (MB)"),
        tooltip=["model:N", "how:N", alt.Tooltip("weights_mb:Q", format=",.0f")])  # fmt: skip
    kinds = ["measured here", "estimated, not run"]
    points = base.mark_point(size=90, filled=True, strokeWidth=2).encode(
        fill=alt.Fill("how:N", scale=alt.Scale(domain=kinds, range=[COLORS[0], "white"]), legend=None),
        stroke=alt.value(COLORS[0]))  # fmt: skip
    labels = base.mark_text(align="left", dx=8, fontSize=10, color="#555").encode(text="label:N")
    return (points + labels).properties(width=WIDTH, height=220)


def chapter_chart(chapter: dict[str, Any]) -> dict[str, Any]:
    """The chapter's chart as a Vega-Lite spec ({} with nothing measured)."""
    rows = chapter.get("points") or []
    if not rows:
        return {}
    kind, metric = chapter["kind"], chapter["metric"]
    if kind in ("tokens", "samples", "graded"):
        return {"tokens": _tokens, "samples": _samples, "graded": _graded}[kind](pd.DataFrame(rows)).to_dict()
    frame = pd.DataFrame([row for row in rows if "condition" in row])
    order = list(chapter["conditions"])
    if kind == "traffic":
        charts = [_strip(frame[frame["figure"] == name], order if name.startswith("seconds") else order[1:], name)
                  for name in ("seconds per request", "tokens per second (each round)")]  # fmt: skip
        return alt.vconcat(*charts).to_dict()
    title = "seconds per token (input: share of TTFT; output: TPOT)" if metric == "token_s" else (
        f"{metric} ({UNITS.get(metric, '')})")  # fmt: skip
    strip = _strip(frame, order, title, log=metric == "token_s")
    memory = [row for row in rows if "model" in row]
    if not memory:
        return strip.to_dict()
    return alt.vconcat(strip, _memory(pd.DataFrame(memory))).to_dict()
