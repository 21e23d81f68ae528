"""The Cost page's sections: price tables, measured speed, prices, answer cost, a month, token counts."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from inference_core import (
    DEFAULT_MODELS,
    EXAMPLES,
    ApiPrice,
    HardwareRate,
    Lane,
    PriceError,
    Traffic,
    answer_cost_chart,
    answer_cost_curve,
    api_prices,
    break_evens,
    hardware_rates,
    input_costs,
    measured_throughput,
    monthly_chart,
    monthly_costs,
    parse_rows,
    price_vs_params,
    resolve_reference,
    self_hosted_prices,
    short_name,
)
from inference_core.engine import Saving
from inference_core.types import Settings
from ui import state
from ui.compare_view import stream
from ui.jobs import collect, report_save_errors, run_job
from ui.layout import bounded_number
from ui.resources import engine, history_results, refused, session_access
from ui.text import escape_markdown, notice

MACHINE = "cost_machine"


def _use_machine(rates: list[HardwareRate]) -> None:
    chosen = next((r for r in rates if r.name == st.session_state[MACHINE]), None)
    if chosen is not None:
        st.session_state[state.HOURLY_USD] = chosen.usd_per_hour


def _editable(title: str, records: list, kind: type, key: str) -> list:
    """An editable table (this session only); a bad edit is reported and the shipped table is kept."""
    edited = st.data_editor(
        pd.DataFrame([dataclasses.asdict(r) for r in records]), key=key, hide_index=True, num_rows="dynamic",
        width="stretch",
    )  # fmt: skip
    try:
        return parse_rows(edited.to_dict("records"), kind)
    except PriceError as exc:
        notice("error", f"{title}: {exc}. Using the shipped table until it is fixed.")
        return records


def edited_tables() -> list[ApiPrice]:
    """Machine rate picker and both price tables; returns the API prices in force."""
    shipped_rates, shipped_apis = hardware_rates(), api_prices()
    with st.expander("Prices: machines and APIs (dated, with sources; editable for this session)"):
        rates = _editable("Machine rates", shipped_rates, HardwareRate, "hardware_rates_table")
        st.selectbox(
            "Price the runs as if on",
            [r.name for r in rates],
            index=None,
            key=MACHINE,
            placeholder="choose a machine to set the $/hour in the sidebar",
            on_change=_use_machine,
            args=(rates,),
            help="Speeds are measured on this machine: another machine's rate prices this speed at that rate.",
        )
        apis = _editable("API prices", shipped_apis, ApiPrice, "api_prices_table")
    return apis


def token_counts(prompt: str, refs: list[str], self_hosted: pd.DataFrame, apis: pd.DataFrame) -> pd.DataFrame | None:
    """Tokens of the same prompt under each model's tokenizer and chat template, and what they cost."""
    if not prompt.strip():
        st.warning("Type a prompt to count its tokens.")
        return None
    rows = []
    for ref in refs:
        try:
            spec = resolve_reference(ref)
            count = engine().count_tokens(ref, prompt)
        except Exception as exc:  # one model failing does not hide the others
            notice("error", f"{ref}: {exc}")
            continue
        price = self_hosted.loc[self_hosted["option"].str.startswith(short_name(spec.name)), "usd_per_1m_in"]
        rows.append({"model": spec.name, "tokens": count, **input_costs(count, price.min() if len(price) else None,
                                                                         apis)})  # fmt: skip
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    frame.insert(2, "vs fewest", frame["tokens"] / frame["tokens"].min() - 1)
    return frame


def _pinned() -> Settings:
    """The engine's default output length, pinned (every model writes exactly that many tokens)."""
    settings = engine().default_settings()
    return settings.replace(min_new_tokens=settings.max_new_tokens)


def _keep_measured(job) -> None:
    st.session_state[state.COST_RESULTS] = [*st.session_state[state.COST_RESULTS], *job.finished_results()]


def _measure(models: list[str], names: dict[str, str]) -> None:
    """One pinned run per model, streamed with its progress, stoppable, and saved to History."""
    prompt = EXAMPLES["Request for a long answer"]
    lanes = [Lane(m, _pinned()) for m in models]
    if refused(engine().problems(prompt, lanes)):
        return
    recorder = engine().recorder(Saving("compare", prompt, title="Cost page: measured speed"))
    st.session_state[state.SAVE_ERRORS] = recorder.errors
    job = engine().comparison(prompt, lanes, access=session_access(), price=state.machine_price(),
                              on_result=recorder)  # fmt: skip
    titles = [f"{n}. {names.get(m, m)}" for n, m in enumerate(models, start=1)]
    run_job(state.COST_JOB, job, lambda running: stream(running, titles), "measurement", _keep_measured)


def measured_speed(names: dict[str, str], choices: list[str]) -> tuple[pd.DataFrame, list[str], list]:
    """Speed medians of this machine's runs in History and this session, and a Measure button for more."""
    st.subheader("Measured speed")
    models = st.multiselect("Models to measure", choices, default=[m for m in DEFAULT_MODELS if m in choices],
                            format_func=lambda r: names.get(r, r))  # fmt: skip
    measure_col, stop_col, _ = st.columns([1, 1, 4])
    clicked = measure_col.button("Measure", icon=":material/speed:",
                                 help=f"One run per model, {_pinned().max_new_tokens} pinned tokens, saved to "
                                 "History")  # fmt: skip
    stop_col.button("Stop", icon=":material/stop:", key="cost_stop", help="Stops the measurement; finished runs count")
    collect(state.COST_JOB, _keep_measured)
    if clicked and not models:
        st.warning("Choose at least one model to measure.")
    elif clicked:
        _measure(models, names)
    report_save_errors(st.session_state[state.SAVE_ERRORS])
    results = [*history_results(), *st.session_state[state.RESULTS], *st.session_state[state.SWEEP_RESULTS],
               *st.session_state[state.COST_RESULTS]]  # fmt: skip
    unique = list({(r.model, r.started_at, r.ttft_s): r for r in results}.values())  # History holds them too
    return measured_throughput(unique), models, unique


def price_table(throughput: pd.DataFrame, hourly: float, utilization: float) -> pd.DataFrame | None:
    """Self-hosted $ per 1M tokens from the measured speed; None (with a message) when it cannot be priced."""
    st.caption(
        f"Medians of {int(throughput['runs'].sum())} runs on this machine (Compare, Experiments and this page), "
        f"priced at ${hourly:.4f}/hour and {utilization:.0%} utilization (sidebar)."
    )
    try:
        self_hosted = self_hosted_prices(throughput, hourly, utilization)
    except PriceError as exc:
        notice("error", str(exc))
        return None
    trained = self_hosted[~self_hosted["option"].str.endswith("shape only")]  # random weights answer nothing
    if not trained.empty:
        cheapest = trained.sort_values("usd_per_1m_out").iloc[0]
        st.caption(f"Cheapest self-hosted option measured here: {escape_markdown(cheapest['option'])} at "
                   f"${cheapest['usd_per_1m_out']:.4f} per 1M output tokens (shape-only models, random weights, "
                   "are speed estimates and never the cheapest answer).")  # fmt: skip
    formula = "hourly_usd / ({} * 3600) * 1e6 / utilization"
    st.dataframe(self_hosted.drop(columns=["kind"]), hide_index=True, column_config={
        "params_m": st.column_config.NumberColumn("parameters (M)", format="%.0f"),
        "prefill_tok_per_s": st.column_config.NumberColumn("prefill (tok/s)", format="%.1f"),
        "decode_tok_per_s": st.column_config.NumberColumn("decode (tok/s)", format="%.1f"),
        "usd_per_1m_in": st.column_config.NumberColumn("$ / 1M input", format="$%.4f",
                                                       help=formula.format("prefill_tok_per_s")),
        "usd_per_1m_out": st.column_config.NumberColumn("$ / 1M output", format="$%.4f",
                                                        help=formula.format("decode_tok_per_s")),
    })  # fmt: skip
    return self_hosted


def price_charts(self_hosted: pd.DataFrame, api_table: pd.DataFrame) -> None:
    left, right = st.columns(2)
    with left:
        st.altair_chart(price_vs_params(self_hosted, api_table), width="stretch", height=360)
    with right:
        tokens_in = st.slider("Input tokens per answer", 0, 4000, 500, step=50)
        every_option = pd.concat([self_hosted, api_table], ignore_index=True)
        curve = answer_cost_curve(every_option, tokens_in, [16, 64, 128, 256, 512, 1024])
        st.altair_chart(answer_cost_chart(curve), width="stretch", height=320)


def month_of_traffic(throughput: pd.DataFrame, apis: list[ApiPrice], hourly: float, utilization: float) -> None:
    st.subheader("A month of traffic")
    cols = st.columns(4)
    users = bounded_number(cols[0], "Users", Traffic.bounds("users"), step=100)
    per_day = bounded_number(cols[1], "Requests per user per day", Traffic.bounds("requests_per_user_per_day"),
                             step=1.0)  # fmt: skip
    tokens_in = bounded_number(cols[2], "Input tokens per request", Traffic.bounds("tokens_in"), step=50)
    tokens_out = bounded_number(cols[3], "Output tokens per request", Traffic.bounds("tokens_out"), step=50)
    traffic = Traffic(users=users, requests_per_user_per_day=per_day, tokens_in=tokens_in, tokens_out=tokens_out)
    st.caption(
        f"{traffic.requests_per_month:,.0f} requests a month. Self-hosting rents whole machines around the clock, "
        f"each busy at most {utilization:.0%} of the time; APIs charge per token."
    )
    st.altair_chart(monthly_chart(monthly_costs(traffic, throughput, apis, hourly, utilization)), width="stretch")
    breaks = break_evens(traffic, throughput, apis, hourly, utilization)
    with st.expander("Break-even: where self-hosting becomes cheaper than each API"):
        requests_column = st.column_config.Column("break-even requests / month")
        shown = breaks.fillna({"verdict": ""}).style.format({"break_even_requests_per_month": "{:,.0f}"}, na_rep="n/a")
        st.dataframe(shown, hide_index=True, width="stretch", column_config={
            "break_even_requests_per_month": requests_column,
            "verdict": st.column_config.TextColumn("verdict", width="large"),
        })  # fmt: skip


def token_count_section(refs: list[str], self_hosted: pd.DataFrame, api_table: pd.DataFrame) -> None:
    st.subheader("Same prompt, different token counts")
    st.caption("Each model's tokenizer splits text differently, and prices are per token.")
    prompt = st.text_area("Prompt to count", EXAMPLES["Long instruction with a document"], height=100)
    counts = token_counts(prompt, refs, self_hosted, api_table)
    if counts is not None:
        config = {c: st.column_config.NumberColumn(c, format="$%.6f") for c in counts.columns if c.endswith("$")}
        config["vs fewest"] = st.column_config.NumberColumn(format="percent")
        st.dataframe(counts, hide_index=True, width="stretch", column_config=config)
