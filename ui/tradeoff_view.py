"""History's summary view (the trade-offs): one figure of latency, memory and price against size and output
length, from History."""

from __future__ import annotations

import io

import pandas as pd
import psutil
import streamlit as st

from inference_core import (
    COMMUNITY_CLOUD_MB,
    Electricity,
    electricity_defaults,
    estimate_plan,
    plan_sweep,
    rough_speeds,
    tradeoff_figure,
    tradeoff_frame,
)
from inference_core.engine import Saving, StoreError
from ui import state
from ui.experiments_view import track
from ui.jobs import run_job
from ui.resources import catalog, engine, history_unreadable, measured_speeds, refused, session_access
from ui.text import escape_markdown, plural

DEFAULT_MODELS = ("smollm2-135m-instruct", "gemma3-270m", "shape:smollm2-360m-instruct")
DEFAULT_LENGTHS = (16, 64)
JOB = "tradeoff_sweep_job"


def default_plan():
    return plan_sweep("output-length", list(DEFAULT_MODELS), lengths=list(DEFAULT_LENGTHS), repeats=1)


def offer_default_sweep() -> None:
    """A short output-length sweep over three sizes, with its estimated time, for an empty history."""
    plan = default_plan()
    speeds = {**rough_speeds(catalog()), **measured_speeds()}
    found = estimate_plan(plan, speeds)
    seconds = f"about {found.seconds:.0f} s plus loading" if found.seconds is not None else "a minute or two"
    st.info(f"No saved runs yet. The default trade-off sweep runs {', '.join(DEFAULT_MODELS)} at "
            f"{' and '.join(map(str, DEFAULT_LENGTHS))} output tokens: {plural(plan.total_runs, 'run')}, "
            f"{found.tokens_out:,} tokens, {seconds} on this machine (measured speeds where known, else a rough "
            "guess from model size).", icon=":material/science:")  # fmt: skip
    if st.button("Run the default sweep", type="primary", icon=":material/play_arrow:"):
        if refused(engine().sweep_problems(plan)):
            return
        saving = Saving.sweep("output-length", title="Default trade-off sweep", meta={"models": list(DEFAULT_MODELS)})
        recorder = engine().recorder(saving)
        job = engine().sweep(plan, access=session_access(), price=state.machine_price(),
                             on_row=recorder)  # fmt: skip
        run_job(JOB, job, track, "sweep", lambda _job: None)  # saved lane by lane; the page reruns to draw it


def filtered(frame: pd.DataFrame) -> pd.DataFrame:
    """Filters: machine, engine, model and kind of run (all shown by default)."""
    cols = st.columns(4)
    chosen = {}
    for col, (field, label) in zip(cols, (("machine", "Machines"), ("engine", "Engines"), ("model_name", "Models"),
                                          ("kind", "Runs")), strict=True):  # fmt: skip
        options = sorted(frame[field].astype(str).unique())
        chosen[field] = col.multiselect(label, options, default=options, key=f"tradeoff_{field}")
    keep = pd.Series(True, index=frame.index)
    for field, values in chosen.items():
        keep &= frame[field].astype(str).isin(values)
    return frame[keep]


def _electricity() -> Electricity | None:
    """Electricity in the prices when asked for, at the shipped, dated defaults (editable on the Cost page)."""
    defaults = electricity_defaults()
    price, pue = float(defaults["usd_per_kwh"]["value"]), float(defaults["pue"]["value"])
    wanted = st.toggle(f"Include electricity (${price:g}/kWh x PUE {pue:g})", key="tradeoff_electricity",
                       help="Adds each run's energy at the wall to its price: kWh x PUE x $/kWh (runs without an "
                       "energy figure keep the machine-time price)")  # fmt: skip
    return Electricity(price, pue) if wanted else None


def render_tradeoffs() -> None:
    hourly, utilization = st.session_state[state.HOURLY_USD], st.session_state[state.UTILIZATION_PCT] / 100
    electricity = _electricity()
    try:
        frame = tradeoff_frame(engine().recent_runs(), hourly, utilization, electricity)
    except StoreError as exc:
        history_unreadable(exc)
    if frame.empty:
        offer_default_sweep()
        return
    frame = filtered(frame)
    if frame.empty:
        st.warning("No run matches these filters.")
        return
    st.caption(f"{plural(len(frame), 'measured answer')} from the {plural(frame['run_id'].nunique(), 'latest run')} "
               f"in History, priced at ${hourly:.4f}/hour and {utilization:.0%} utilization (sidebar): an answer costs "
               "the machine time it took. Hover a point for its run; one colour per model and setting.")  # fmt: skip
    limits = {f"this machine ({psutil.virtual_memory().total / 2**20:,.0f} MB)": psutil.virtual_memory().total / 2**20,
              f"Community Cloud ({COMMUNITY_CLOUD_MB:,.0f} MB)": COMMUNITY_CLOUD_MB}  # fmt: skip
    figure = tradeoff_figure(frame, limits)
    st.altair_chart(figure)
    exports(figure, frame)


def exports(figure, frame: pd.DataFrame) -> None:
    """PNG and SVG of the figure (rendered on the server by vl-convert) and the tidy CSV behind it."""
    png, svg = io.BytesIO(), io.StringIO()
    left, middle, right = st.columns(3)
    left.download_button("Download CSV", frame.to_csv(index=False), "inference-lens-tradeoffs.csv", "text/csv",
                         help="One row per measured answer, with the environment it was measured on")  # fmt: skip
    try:
        figure.save(png, format="png", scale_factor=2)
        figure.save(svg, format="svg")
    except Exception as exc:  # the exports are extras: the figure and the CSV stay
        st.caption(escape_markdown(f"PNG/SVG export unavailable: {type(exc).__name__}"))
        return
    middle.download_button("Download PNG", png.getvalue(), "inference-lens-tradeoffs.png", "image/png")
    right.download_button("Download SVG", svg.getvalue(), "inference-lens-tradeoffs.svg", "image/svg+xml")
