"""Cost: what an answer and a month of traffic cost, self-hosted against hosted APIs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from inference_core import cost
from inference_core.catalog import DEFAULT_MODELS
from inference_core.charts import answer_cost_chart, monthly_chart, price_vs_params
from inference_core.pricing import PriceError, Traffic
from inference_core.prompts import EXAMPLES
from inference_core.runner import Lane, compare
from inference_core.types import Settings
from ui import state
from ui.cost_view import edited_tables, token_counts
from ui.resources import model_choices, session_context

MEASURE_SETTINGS = Settings(max_new_tokens=48, min_new_tokens=48)

state.init_state()
names, choices = model_choices()

st.title("Cost")
st.caption(
    "Training is paid once; every answer is computed fresh. Self-hosted prices follow from the speed measured "
    "here and what the machine costs per hour (idle hours included, through utilization); API prices come "
    "from a dated table. A local model is never free."
)

apis = edited_tables()
hourly = float(st.session_state[state.HOURLY_USD])
utilization = st.session_state[state.UTILIZATION_PCT] / 100

results = [
    *st.session_state[state.RESULTS],
    *st.session_state[state.SWEEP_RESULTS],
    *st.session_state[state.COST_RESULTS],
]
throughput = cost.measured_throughput(results)

st.subheader("Measured speed")
models = st.multiselect("Models to measure", choices, default=[m for m in DEFAULT_MODELS if m in choices],
                        format_func=lambda r: names.get(r, r))  # fmt: skip
if st.button("Measure", icon=":material/speed:", help=f"One run each, {MEASURE_SETTINGS.max_new_tokens} tokens"):
    if not models:
        st.warning("Choose at least one model to measure.")
    else:
        with st.spinner("Measuring (one run per model, one at a time)..."):
            measured = compare(EXAMPLES["Request for a long answer"], [Lane(m, MEASURE_SETTINGS) for m in models],
                               context=session_context())  # fmt: skip
        for failed in (r for r in measured if not r.ok):
            st.error(f"{failed.model_name}: {failed.error}")
        st.session_state[state.COST_RESULTS] = [*st.session_state[state.COST_RESULTS], *measured]
        st.rerun()

if throughput.empty:
    st.info("No measurements yet: press Measure, or run a comparison or an experiment first.")
    st.stop()

st.caption(
    f"Medians of {int(throughput['runs'].sum())} runs on this machine (Compare, Experiments and this page), "
    f"priced at ${hourly:.4f}/hour and {utilization:.0%} utilization (sidebar)."
)
try:
    self_hosted = cost.self_hosted_prices(throughput, hourly, utilization)
except PriceError as exc:
    st.error(str(exc))
    st.stop()
api_table = cost.api_frame(apis)
st.dataframe(
    self_hosted.drop(columns=["kind"]),
    hide_index=True,
    column_config={
        "usd_per_1m_in": st.column_config.NumberColumn(
            "$ / 1M input", format="$%.4f", help="hourly_usd / (prefill_tok_per_s * 3600) * 1e6 / utilization"
        ),
        "usd_per_1m_out": st.column_config.NumberColumn(
            "$ / 1M output", format="$%.4f", help="hourly_usd / (decode_tok_per_s * 3600) * 1e6 / utilization"
        ),
    },
)

left, right = st.columns(2)
with left:
    st.altair_chart(price_vs_params(self_hosted, api_table), width="stretch", height=360)
with right:
    tokens_in = st.slider("Input tokens per answer", 0, 4000, 500, step=50)
    every_option = pd.concat([self_hosted, api_table], ignore_index=True)
    curve = cost.answer_cost_curve(every_option, tokens_in, [16, 64, 128, 256, 512, 1024])
    st.altair_chart(answer_cost_chart(curve), width="stretch", height=320)

st.subheader("A month of traffic")
cols = st.columns(4)
users = cols[0].number_input("Users", 0, 10_000_000, 1000, step=100)
per_day = cols[1].number_input("Requests per user per day", 0.0, 10_000.0, 5.0, step=1.0)
tokens_in_req = cols[2].number_input("Input tokens per request", 0, 1_000_000, 500, step=50)
tokens_out_req = cols[3].number_input("Output tokens per request", 0, 100_000, 250, step=50)
traffic = Traffic(int(users), float(per_day), int(tokens_in_req), int(tokens_out_req))
st.caption(
    f"{traffic.requests_per_month:,.0f} requests a month. Self-hosting rents whole machines around the clock, "
    f"each busy at most {utilization:.0%} of the time; APIs charge per token."
)
monthly = cost.monthly_costs(traffic, throughput, apis, hourly, utilization)
st.altair_chart(monthly_chart(monthly), width="stretch")
breaks = cost.break_evens(traffic, throughput, apis, hourly, utilization)
with st.expander("Break-even: where self-hosting becomes cheaper than each API"):
    requests_column = st.column_config.NumberColumn("break-even requests / month", format="localized")
    st.dataframe(
        breaks, hide_index=True, width="stretch", column_config={"break_even_requests_per_month": requests_column}
    )

st.subheader("Same prompt, different token counts")
st.caption("Each model's tokenizer splits text differently, and prices are per token.")
prompt = st.text_area("Prompt to count", EXAMPLES["Long instruction with a document"], height=100)
counts = token_counts(prompt, models or choices[:2], self_hosted, api_table)
if counts is not None:
    config = {c: st.column_config.NumberColumn(c, format="$%.6f") for c in counts.columns if c.endswith("$")}
    config["vs fewest"] = st.column_config.NumberColumn(format="percent")
    st.dataframe(counts, hide_index=True, width="stretch", column_config=config)
