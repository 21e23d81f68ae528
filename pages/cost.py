"""Cost: what an answer and a month of traffic cost, self-hosted against hosted APIs."""

from __future__ import annotations

import streamlit as st

from inference_core import api_frame
from ui import state
from ui.capacity_view import capacity_section
from ui.cost_view import edited_tables, measured_speed, month_of_traffic, price_charts, price_table, token_count_section
from ui.energy_view import electricity_section
from ui.resources import model_choices

state.init_state()
names, choices = model_choices()
st.title(state.heading("cost"))
st.caption(
    "Training is paid once; every answer is computed fresh. Self-hosted prices follow from the speed measured "
    "here and what the machine costs per hour (idle hours included, through utilization); API prices come "
    "from a dated table. A local model is never free."
)
apis = edited_tables()
hourly = float(st.session_state[state.HOURLY_USD])
utilization = st.session_state[state.UTILIZATION_PCT] / 100
throughput, models, results = measured_speed(names, choices)
if throughput.empty:
    st.info("No measurements yet: press Measure, or run a comparison or an experiment first.")
    st.stop()
self_hosted = price_table(throughput, hourly, utilization)
if self_hosted is None:
    st.stop()
api_table = api_frame(apis)
price, month, capacity, energy, tokens = st.tabs(
    ["Price per answer and per 1M tokens", "A month of traffic", "Capacity", "Electricity", "Your own tokens"])
with price:
    price_charts(self_hosted, api_table)
with month:
    month_of_traffic(throughput, apis, hourly, utilization)
with capacity:
    capacity_section(models or choices[:1], apis, hourly)
with energy:
    electricity_section(results, hourly, utilization)
with tokens:
    token_count_section(models or choices[:2], self_hosted, api_table)
