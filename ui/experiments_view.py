"""The Experiments page's progress bar and results: charts, answers, tidy table, exports."""

from __future__ import annotations

import json
import queue
from typing import Any

import pandas as pd
import streamlit as st

from inference_core import (
    Sweep,
    SweepProgress,
    api_frame,
    api_prices,
    experiment_charts,
    fit_output_length,
    levels_from_rows,
    noisy_points,
    summarize_rows,
    with_environment,
)
from ui.layout import chart_grid
from ui.text import escape_markdown

MEMORY_CAPTION = (
    "Model memory is each model's own: what its load added to the process (at least its weights' bytes) plus "
    "the run's peak growth. The whole process's peak RSS, which counts every model loaded so far, is the "
    "peak_rss_mb column of the table."
)
PRICE_CAPTION = (
    "Price of an answer = the machine time it took: e2e_s x hourly_usd / 3600 / utilization (the sidebar's machine "
    "price and utilization when the sweep ran; each row of the CSV carries them). Dashed coloured lines are the "
    "fit $ = (ttft + (n - 1) x tpot) x hourly / 3600 / utilization; grey dashed lines are API prices for the same "
    "token counts (the shipped, dated table), so the break-even shows where the lines cross."
)
CHART_HEIGHT_PX = 340  # Streamlit sizes layered charts by this, not by the spec's height


def _progress_text(p: SweepProgress) -> str:
    eta = f" · about {p.eta_s:.0f} s left" if p.eta_s is not None else " · estimating time left"
    return f"{p.done} of {p.total} runs · {p.elapsed_s:.0f} s elapsed{eta} · now: {p.current}"


def track(job: Sweep) -> None:
    """Show the sweep's progress until it ends."""
    bar = st.progress(0.0, text="warming up the first model (not counted)")
    while True:
        try:
            event = job.events.get(timeout=0.25)
        except queue.Empty:
            continue
        if event is None:
            return
        bar.progress(event.done / max(event.total, 1), text=escape_markdown(_progress_text(event)))


def _settings_answers(rows: pd.DataFrame) -> None:
    """The settings experiment: what each setting answered (first counted run)."""
    first = rows[rows["ok"] & (rows.get("weights", "trained") == "trained")].drop_duplicates("setting")
    if first.empty:
        return
    st.subheader("Answers")
    for column, (_, row) in zip(st.columns(len(first)), first.iterrows(), strict=True):
        with column, st.container(border=True):
            st.markdown(f"**{escape_markdown(row['setting'])}**")
            st.markdown(escape_markdown(row["text"]) or "_(no text)_")


LEVEL_COLUMNS = {
    "model_name": "Model", "setting": "Setting", "value": "Load", "completed": "Done", "failures": "Failed",
    "cut": "Cut at limit", "ttft_p50_s": "TTFT p50 (s)", "ttft_p90_s": "TTFT p90 (s)", "ttft_p99_s": "TTFT p99 (s)",
    "tpot_p50_s": "TPOT p50 (s)", "tpot_p99_s": "TPOT p99 (s)", "itl_p50_s": "ITL p50 (s)", "itl_p90_s": "ITL p90 (s)",
    "itl_p99_s": "ITL p99 (s)", "e2e_p50_s": "E2E p50 (s)", "request_per_s": "Requests/s",
    "output_tok_per_s": "Output tok/s", "goodput_rps": "Goodput (req/s)", "usd_per_1m_out": "$ per 1M output",
}  # fmt: skip
TRAFFIC_CAPTION = (
    "Each point is one load level. Throughput counts every request's output tokens over the level's duration "
    "(first request sent to last one finished); TPOT = (e2e - TTFT) / (tokens - 1) per request; goodput counts "
    "the requests meeting both objectives, as in vLLM's serving benchmark. Price per 1M output tokens = the "
    "machine's hourly price / (output tokens/s x 3600) / utilization: a busier machine is cheaper per token."
)


def _levels_table(levels: pd.DataFrame) -> None:
    if levels.empty:
        return
    st.subheader("Per load level")
    shown = levels[[c for c in LEVEL_COLUMNS if c in levels]].rename(columns=LEVEL_COLUMNS)
    st.dataframe(shown, hide_index=True, width="stretch")
    st.download_button("Download the levels (CSV)", levels.to_csv(index=False), "inference-lens-traffic-levels.csv",
                       "text/csv")  # fmt: skip


def render_sweep(
    experiment: str, records: list[dict[str, Any]], environment: dict[str, Any], levels: list[dict] | None = None
) -> None:
    rows = pd.DataFrame(records)
    failed = rows[~rows["ok"]]
    for _, row in failed.drop_duplicates("error").iterrows():
        st.error(f"{escape_markdown(row['model_name'])}: {escape_markdown(row['error'])}")
    summary = summarize_rows(rows)
    st.subheader(f"Results: {experiment}")
    st.caption(
        f"{int(rows['ok'].sum())} completed requests in {rows.groupby(['model', 'setting', 'value']).ngroups} load "
        "levels. Hover a point for its figures." if experiment == "traffic" else
        f"{int(rows['ok'].sum())} counted runs. Points are medians; bars and whiskers span min to max. "
        "Hover a point for its figures."
    )  # fmt: skip
    noisy = [] if experiment == "traffic" else noisy_points(summary)  # traffic's spread is the load itself
    if noisy:
        st.warning(f"{len(noisy)} figure(s) vary by more than 10% between repeats (coefficient of variation): "
                   "more repeats, or a quieter machine, would pin them down.", icon=":material/waves:")  # fmt: skip
        with st.expander("Which ones"):
            for warning in noisy:
                st.markdown(f"- {escape_markdown(warning)}")
    if experiment == "traffic":
        st.caption(TRAFFIC_CAPTION)
    if experiment == "output-length":
        for fit in fit_output_length(rows):
            st.markdown(f"**{escape_markdown(fit.model_name)} · {escape_markdown(fit.setting)}**: "
                        f"{escape_markdown(fit.describe())} (least-squares fit)")  # fmt: skip
    chart_grid(experiment_charts(experiment, rows, api_frame(api_prices())), height=CHART_HEIGHT_PX)
    if experiment != "traffic":
        st.caption(MEMORY_CAPTION)
    if experiment != "traffic" and "usd_answer" in rows and rows["usd_answer"].notna().any():
        st.caption(PRICE_CAPTION)
    if experiment == "model-size" and "roofline_tok_per_s" in rows:
        st.caption("The dashed grey line on Decode speed is the memory-bandwidth limit: decoding one token reads "
                   "every weight once, so no model can decode faster than bandwidth / weight bytes (bandwidth "
                   "measured before the sweep, a 256 MB matrix-vector product). Diamonds are shape-only models: "
                   "the real architecture with random weights.")  # fmt: skip
    if experiment == "settings" and rows["ok"].any():
        _settings_answers(rows)
    if experiment == "traffic":
        _levels_table(pd.DataFrame(levels) if levels else levels_from_rows(rows))
    with st.expander("Every run (one row per counted run)"):
        st.dataframe(rows.drop(columns=["text"]), hide_index=True, width="stretch")
    left, right = st.columns(2)
    csv = with_environment(rows.drop(columns=["text"]), environment).to_csv(index=False)
    left.download_button("Download CSV", csv, "inference-lens-sweep.csv", "text/csv")
    payload = {"experiment": experiment, "environment": environment, "rows": records}
    right.download_button(
        "Download JSON", json.dumps(payload, indent=2, default=str), "inference-lens-sweep.json", "application/json"
    )
