"""The sidebar every page shares: what machine time costs, used to price every run."""

from __future__ import annotations

import streamlit as st

from inference_core import DEFAULT_MACHINE
from inference_core.types import MachinePrice
from ui import state


def render_sidebar() -> None:
    with st.sidebar:
        st.markdown("### Inference Lens")
        st.caption("What running a language model costs: latency, memory and price.")
        st.number_input(
            "Machine price ($/hour)",
            min_value=MachinePrice.bounds("hourly_usd").low,
            max_value=float(MachinePrice.bounds("hourly_usd").high),
            step=0.01,
            format="%.4f",
            key=state.HOURLY_USD,
            help=f"Default: {DEFAULT_MACHINE}. Self-hosted prices follow from this rate and measured speed.",
        )
        st.slider(
            "Utilization (%)",
            min_value=round(MachinePrice.bounds("utilization").low * 100),
            max_value=round(MachinePrice.bounds("utilization").high * 100),
            key=state.UTILIZATION_PCT,
            help="Share of the paid hours the machine spends generating; idle hours are paid too. 100% flatters "
            "self-hosting: real traffic has peaks, nights and weekends. The default, 50%, is a generous share for "
            "one team's service; a shared, busy API runs closer to its peak.",
        )
