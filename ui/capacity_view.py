"""The Cost page's capacity planner: machines for an audience within a latency objective, from the
traffic experiment's goodput, against per-token APIs."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from inference_core import (
    ApiPrice,
    Audience,
    LatencyObjective,
    TrafficOptions,
    assumed_capacity,
    audience_curve,
    machine_capacity,
    plan_fleet,
    plan_sweep,
)
from inference_core.engine import Saving, StoreError
from ui import state
from ui.experiments_view import track
from ui.jobs import run_job
from ui.layout import bounded_number, chart_grid
from ui.resources import engine, measured_speeds, refused, session_access
from ui.text import escape_markdown, notice

JOB = "capacity_sweep_job"
CHART_HEIGHT_PX = 380  # Streamlit sizes these by it (legend included), not by the spec
SHORT_LEVELS = (1, 2, 4)
SHORT_TOKENS = 32
"""Output tokens per request of the short measurement: goodput is scaled to the audience's answer length."""


def _audience() -> tuple[Audience, LatencyObjective] | None:
    cols = st.columns(4)
    users = bounded_number(cols[0], "Users", Audience.bounds("users"), step=1000, key="capacity_users")
    per_day = bounded_number(cols[1], "Requests per user per day", Audience.bounds("requests_per_user_per_day"),
                             key="capacity_per_day")  # fmt: skip
    tokens_in = bounded_number(cols[2], "Input tokens", Audience.bounds("tokens_in"), step=50, key="capacity_in")
    tokens_out = bounded_number(cols[3], "Output tokens", Audience.bounds("tokens_out"), step=50, key="capacity_out")
    cols = st.columns(3)
    peak = bounded_number(cols[0], "Peak-hour factor", Audience.bounds("peak_factor"), key="capacity_peak",
                          help="The busiest hour against the day's average hour")  # fmt: skip
    ttft = bounded_number(cols[1], "TTFT objective (s)", LatencyObjective.bounds("ttft_s"), key="capacity_ttft")
    tpot = bounded_number(cols[2], "TPOT objective (s)", LatencyObjective.bounds("tpot_s"), format="%.3f",
                          key="capacity_tpot")  # fmt: skip
    try:
        audience = Audience(users=users, requests_per_user_per_day=per_day, tokens_in=tokens_in,
                            tokens_out=tokens_out, peak_factor=peak)  # fmt: skip
        return audience, LatencyObjective(ttft_s=ttft, tpot_s=tpot)
    except ValueError as exc:
        notice("warning", str(exc))
        return None


def _offer_traffic_run(model: str) -> None:
    base = engine().default_settings()
    base = base.replace(max_new_tokens=min(SHORT_TOKENS, base.max_new_tokens))
    st.info(f"No saved traffic run of {model} yet: capacity comes from the traffic experiment's goodput. A short "
            f"one measures {model} with continuous batching at {', '.join(map(str, SHORT_LEVELS))} requests in "
            f"flight (6 requests each, {base.max_new_tokens} output tokens; capacity scales to the audience's).",
            icon=":material/science:")  # fmt: skip
    if st.button("Run a short traffic measurement", icon=":material/play_arrow:", key="capacity_measure"):
        plan = plan_sweep("traffic", [f"{model}:batching=continuous"], base=base,
                          lengths=list(SHORT_LEVELS), traffic=TrafficOptions(requests=6))  # fmt: skip
        if refused(engine().sweep_problems(plan)):
            return
        saving = Saving.sweep("traffic", title="Short traffic measurement", meta={"models": [model]})
        recorder = engine().recorder(saving)
        job = engine().sweep(plan, access=session_access(), price=state.machine_price(),
                             on_row=recorder)  # fmt: skip
        run_job(JOB, job, track, "sweep", lambda _job: None)


def _curve_charts(curve: pd.DataFrame) -> None:
    cost = (
        alt.Chart(curve, title=alt.TitleParams("$ per month against audience size", anchor="start"))
        .mark_line(point=True)
        .encode(
            x=alt.X("users:Q", scale=alt.Scale(type="log"), title="Users"),
            y=alt.Y("usd_per_month:Q", scale=alt.Scale(type="log"), title=None),
            color=alt.Color("option:N", title=None, legend=alt.Legend(orient="bottom", columns=3)),
            strokeDash=alt.condition("datum.option == 'self-hosted fleet'", alt.value([1, 0]), alt.value([4, 3])),
            tooltip=["option", "users", alt.Tooltip("usd_per_month:Q", format="$,.2f"), "machines"],
        )
        .properties(width="container", height=280)
    )
    fleet = curve[curve["option"] == "self-hosted fleet"]
    machines = (
        alt.Chart(fleet, title=alt.TitleParams("Machines at the peak hour", anchor="start"))
        .mark_line(interpolate="step-after", point=True)
        .encode(
            x=alt.X("users:Q", scale=alt.Scale(type="log"), title="Users"),
            y=alt.Y("machines:Q", title=None),
            tooltip=["users", "machines"],
        )
        .properties(width="container", height=280)
    )
    chart_grid({"cost": cost, "machines": machines}, height=CHART_HEIGHT_PX)


def capacity_section(models: list[str], apis: list[ApiPrice], hourly: float) -> None:
    st.subheader("Capacity planning")
    st.caption("How many machines of this kind an audience needs at its busiest hour while every answer "
               "stays within the latency objective: from the traffic experiment's goodput, not one request's "
               "speed.")  # fmt: skip
    if not models:
        return
    model = st.selectbox("Model", models, key="capacity_model")
    found = _audience()
    if found is None:
        return
    audience, objective = found
    try:
        levels, run_id = engine().traffic_levels(model, objective)
    except StoreError:
        levels, run_id = pd.DataFrame(), ""
    capacity = machine_capacity(levels, audience.tokens_out)
    if capacity is None:
        _offer_traffic_run(model)
        capacity = assumed_capacity(measured_speeds().get(model), audience, objective)
    fleet = plan_fleet(audience, capacity, hourly)
    cols = st.columns(3)
    cols[0].metric("Machines", "none meets it" if fleet.machines is None else f"{fleet.machines:,}")
    cols[1].metric("$ per month", "—" if fleet.usd_per_month is None else f"${fleet.usd_per_month:,.2f}")
    cols[2].metric("Peak requests/s", f"{fleet.peak_requests_per_s:.3g}")
    source = f" (traffic run {run_id})" if run_id else ""
    st.caption(escape_markdown(f"One machine: {capacity.requests_per_s:.3g} requests/s within TTFT <= "
                               f"{objective.ttft_s:g} s and TPOT <= {objective.tpot_s:g} s: {capacity.basis}"
                               f"{source}. {fleet.note}. At ${hourly:g}/h per machine, around the clock."))  # fmt: skip
    if capacity.requests_per_s > 0:
        _curve_charts(audience_curve(audience, capacity, hourly, apis))
