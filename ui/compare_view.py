"""The Compare page's columns: live lanes while streaming, and the finished results."""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from inference_core import (
    NOTICE,
    UNITS,
    Comparison,
    compare_charts,
    figure,
    metric_help,
    results_csv,
    results_frame,
    results_json,
    settings_label,
    undefined_figures,
)
from inference_core.types import RunResult, StatusEvent, TokenEvent
from ui.layout import chart_grid
from ui.text import escape_markdown, plural

SHAPE_NOTICE = NOTICE[0].upper() + NOTICE[1:] + "."

STATE_ICONS = {
    "waiting": ":material/hourglass_empty:",
    "loading": ":material/download:",
    "prefill": ":material/input:",
    "decoding": ":material/edit_note:",
    "done": ":material/check_circle:",
    "stopped": ":material/stop_circle:",
    "error": ":material/error:",
}
RENDER_INTERVAL_S = 0.04


@dataclass
class LiveLane:
    """What one column shows while its lane runs; updated from engine events."""

    title: str
    state: str = "waiting"
    detail: str = ""
    fraction: float | None = None
    pieces: list[str] = field(default_factory=list)
    tokens: int = 0
    started: float | None = None
    first_token_s: float | None = None
    last_token_s: float | None = None
    dirty: bool = True
    shape_only: bool = False
    """Random weights: the streamed text is noise, so the lane shows what it measures instead."""
    time_scale: float = 1.0
    """A replay's speed (2.0: twice as fast): live times are scaled back to the recorded ones (0: all at once)."""

    def apply(self, event: TokenEvent | StatusEvent) -> None:
        self.dirty = True
        if self.started is None:
            self.started = time.perf_counter()
        if isinstance(event, StatusEvent):
            self.state, self.detail, self.fraction = event.state, event.detail, event.fraction
            return
        self.tokens += 1
        self.pieces.append(event.text)
        if self.first_token_s is None:
            self.first_token_s = event.elapsed_s
        self.last_token_s = event.elapsed_s

    def figures(self) -> str:
        """The live figures (a replay's at their recorded times, whatever its speed); "" before any event."""
        if self.started is None:
            return ""
        if self.time_scale == 0:
            return f"{plural(self.tokens, 'token')} replayed at once · the recorded figures are below"
        scale = self.time_scale
        parts = [f"{(time.perf_counter() - self.started) * scale:.1f} s elapsed", plural(self.tokens, "token")]
        if self.first_token_s is not None:
            parts.append(f"TTFT {self.first_token_s * scale:.2f} s")
        if self.tokens > 1 and self.last_token_s and self.last_token_s > self.first_token_s:
            rate = (self.tokens - 1) / ((self.last_token_s - self.first_token_s) * scale)
            parts.append(f"{rate:.1f} tok/s")
        return " · ".join(parts)


class LaneColumn:
    """Placeholders of one column: heading, status, live figures, streamed text."""

    def __init__(self, column, lane: LiveLane) -> None:
        self.lane = lane
        with column:
            st.markdown(f"**{escape_markdown(lane.title)}**")
            self.status = st.empty()
            self.figures = st.empty()
            self.text = st.empty()

    def render(self) -> None:
        lane = self.lane
        label = f"{STATE_ICONS[lane.state]} {lane.state}"
        if lane.detail:
            label += f": {escape_markdown(lane.detail)}"
        figures = lane.figures()
        if lane.state == "loading" and lane.fraction is not None:
            self.status.progress(min(max(lane.fraction, 0.0), 1.0), text=label)
            self.figures.caption(figures)
        elif lane.state == "error":
            self.status.error(label)
            self.figures.caption(figures)
        else:  # one line: the state and the live figures, so the answer starts high on the screen
            self.status.markdown(f"{label} · :gray[{figures}]" if figures else label)
            self.figures.empty()  # the line a loading or failed state drew below
        if lane.shape_only:
            self.text.info(SHAPE_NOTICE, icon=":material/shape_line:")
        else:
            self.text.markdown(escape_markdown("".join(lane.pieces)) or " ")
        lane.dirty = False


def stream(job: Comparison, titles: list[str], shape_only: list[bool] | None = None,
           time_scale: float = 1.0) -> list[LiveLane]:  # fmt: skip
    """Drain the job's events into one column per lane until the job ends (``time_scale``: a replay's speed)."""
    shapes = shape_only or [False] * len(titles)
    lanes = [LiveLane(title, shape_only=shape, time_scale=time_scale)
             for title, shape in zip(titles, shapes, strict=True)]  # fmt: skip
    columns = [LaneColumn(col, lane) for col, lane in zip(st.columns(len(lanes)), lanes, strict=True)]
    for column in columns:
        column.render()
    finished = False
    while not finished:
        deadline = time.perf_counter() + RENDER_INTERVAL_S
        while time.perf_counter() < deadline:
            try:
                event = job.events.get(timeout=max(deadline - time.perf_counter(), 0.001))
            except queue.Empty:
                break
            if event is None:
                finished = True
                break
            lanes[event.lane].apply(event)
        for column in columns:
            if column.lane.dirty or column.lane.state in ("loading", "prefill", "decoding"):
                column.render()
    return lanes


def _price_line(result: RunResult, utilization_pct: float) -> str:
    if result.usd_answer is None:
        return ""
    return (
        f"{figure(result, 'usd_answer', '${:.6f}')} for this answer · "
        f"{figure(result, 'usd_per_1m_out', '${:.2f}')} per 1M output tokens "
        f"(machine at {figure(result, 'hourly_usd', '${:.3f}')}/h, {utilization_pct:.0f}% utilization)"
    )


def render_answers(results: list[RunResult], utilization_pct: float) -> None:
    for column, (index, result) in zip(st.columns(len(results)), enumerate(results), strict=True):
        with column, st.container(border=True):
            st.markdown(f"**{index + 1}. {escape_markdown(result.model_name)}**")
            st.caption(escape_markdown(settings_label(result)))
            if not result.ok:
                show = st.warning if result.stopped else st.error
                show(escape_markdown(result.error[:1].upper() + result.error[1:]), icon=":material/error:")
                continue
            if result.stopped:
                st.warning("Stopped: kept what was generated.", icon=":material/stop_circle:")
            if result.weights == "random":
                st.info(SHAPE_NOTICE, icon=":material/shape_line:")
            else:
                st.markdown(escape_markdown(result.text) or "_(no text)_")
            st.caption(
                f"{plural(result.tokens_out, 'token')} · TTFT {figure(result, 'ttft_s', '{:.2f} s')} · "
                f"{figure(result, 'decode_tok_per_s', '{:.1f} tok/s')} · {figure(result, 'e2e_s', '{:.2f} s')} in all"
            )
            if price := _price_line(result, utilization_pct):
                st.caption(price)
            for note in result.notes:
                st.caption(escape_markdown(note))


LEADING_COLUMNS = ("ttft_s", "decode_tok_per_s", "e2e_s", "model_memory_mb", "usd_answer", "usd_per_1m_out",
                   "tokens_in", "tokens_out", "status")  # fmt: skip
"""What a reader looks for first; the rest of the metrics, then the lane's metadata, follow."""
COLUMN_LABELS = {
    "ttft_s": "TTFT (s)", "decode_tok_per_s": "Decode (tok/s)", "e2e_s": "End-to-end (s)",
    "model_memory_mb": "Model memory (MB)", "usd_answer": "$ per answer", "usd_per_1m_out": "$ per 1M output",
    "usd_per_1m_in": "$ per 1M input", "tokens_in": "Input tokens", "tokens_out": "Output tokens",
    "tpot_s": "TPOT (s)", "itl_p50_s": "ITL p50 (s)", "itl_p95_s": "ITL p95 (s)",
    "prefill_tok_per_s": "Prefill (tok/s)",
    "peak_rss_mb": "Process peak RSS (MB)", "rss_delta_mb": "Run's RSS growth (MB)", "weights_mb": "Weights (MB)",
    "kv_cache_mb": "KV cache (MB)", "load_s": "Waited for model (s)", "server_ttft_s": "Server TTFT (s)",
    "params_m": "Parameters (M)",
    "hourly_usd": "Machine ($/h)", "utilization_pct": "Utilization (%)",
}  # fmt: skip
FORMATS = {"s": "%.3f", "tok/s": "%.1f", "MB": "%.0f", "tokens": "%d"}


def metric_column_config() -> dict:
    """Readable headers with units, and each metric's formula as the header's help (formats: ``results_table``)."""
    config: dict = {column: st.column_config.Column(COLUMN_LABELS.get(column, column), help=metric_help(column))
                    for column in UNITS}  # fmt: skip
    config["params_m"] = st.column_config.Column("Parameters (M)")
    config["error"] = st.column_config.TextColumn("Error", width="large")
    return config


def _number_format(column: str) -> str:
    unit = UNITS.get(column, "")
    if unit == "$":
        return "${:.6f}" if column == "usd_answer" else "${:.2f}"
    formats = {"s": "{:.3f}", "tok/s": "{:.1f}", "MB": "{:,.0f}", "tokens": "{:,.0f}", "$/h": "${:.4f}", "%": "{:.0f}%"}
    return formats.get(unit, "{:,.0f}")


def results_table(frame: pd.DataFrame) -> Any:
    """The lane as the index, the figures people read first, then the rest; a missing figure shows empty."""
    order = [c for c in LEADING_COLUMNS if c in frame] + [c for c in frame if c not in LEADING_COLUMNS]
    table = frame[order].drop(columns=["model_name"], errors="ignore").set_index("lane")
    numbers = [c for c in table if c in UNITS or c == "params_m"]
    for column in table:
        if column in numbers:
            table[column] = pd.to_numeric(table[column], errors="coerce")
        elif table[column].dtype == object:
            table[column] = table[column].fillna("")
    return table.style.format({c: _number_format(c) for c in numbers}, na_rep="n/a")


def render_results(results: list[RunResult], prompt: str, utilization_pct: float) -> None:
    """Answers, the metrics table (formula on hover), charts and exports."""
    render_answers(results, utilization_pct)
    frame = results_frame(results)
    st.subheader("Results")
    st.dataframe(results_table(frame), column_config=metric_column_config(), width="stretch")
    for line in undefined_figures(results, [c for c in LEADING_COLUMNS if c in UNITS], COLUMN_LABELS):
        st.caption(escape_markdown(line))
    st.caption(
        "Each lane ran once: every figure is one sample, with no spread (Experiments repeats runs for a median "
        "and a range). Hover a column header for its formula. TTFT includes queueing and prefill; "
        "ITL/TPOT exclude the first token (vLLM's conventions). Token counts come from token ids. Model memory is "
        "each lane's own: what its model's load added to the process (at least its weights' bytes) plus its run's "
        "peak growth; peak_rss_mb is the whole process, so it counts every model loaded so far."
    )
    chart_grid(compare_charts(frame))
    environment = results[0].environment if results else {}
    left, right = st.columns(2)
    left.download_button("Download CSV", results_csv(results), "inference-lens-compare.csv", "text/csv")
    right.download_button(
        "Download JSON",
        results_json(results, prompt=prompt, environment=environment),
        "inference-lens-compare.json",
        "application/json",
    )
