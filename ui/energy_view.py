"""The Cost page's electricity: energy per 1M output tokens, its cost at the wall beside the hardware's."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from inference_core import Electricity, PriceError, electricity_defaults, energy_costs
from ui.text import escape_markdown, notice

COLUMNS = {
    "option": "Model · setting", "kwh_per_1m_out": "kWh per 1M output", "hardware_usd_per_1m_out": "Hardware $ per 1M",
    "electricity_usd_per_1m_out": "Electricity $ per 1M", "electricity_share": "Electricity share",
    "co2_g_per_1m_out": "CO2 g per 1M", "method": "Energy", "runs": "Runs",
}  # fmt: skip


def electricity_inputs() -> Electricity | None:
    defaults = electricity_defaults()
    price, pue = defaults["usd_per_kwh"], defaults["pue"]
    left, middle, right = st.columns(3)
    usd = left.number_input("Electricity ($/kWh)", 0.0, 10.0, float(price["value"]), step=0.01, format="%.3f",
                            help=f"Default: {price['source']}, {price['date']}")  # fmt: skip
    factor = middle.number_input("PUE", 1.0, 5.0, float(pue["value"]), step=0.01,
                                 help=f"Power usage effectiveness: the building's cooling and power losses on top "
                                 f"of the machine. Default: {pue['source']}, {pue['date']}")  # fmt: skip
    grid = right.number_input("Grid intensity (g CO2 per kWh, optional)", 0.0, 2000.0, 0.0, step=10.0,
                              help="Your grid's carbon intensity (your utility, Ember or Electricity Maps); 0 leaves "
                              "CO2 out")  # fmt: skip
    st.caption(escape_markdown(f"Defaults: {price['source']} ({price['date']}); {pue['source']} ({pue['date']})."))
    try:
        return Electricity(float(usd), float(factor), float(grid))
    except PriceError as exc:
        notice("warning", str(exc))
        return None


def _shares_chart(frame: pd.DataFrame) -> alt.Chart:
    parts = frame.melt("option", ["hardware_usd_per_1m_out", "electricity_usd_per_1m_out"], "part", "usd")
    parts["part"] = parts["part"].map({"hardware_usd_per_1m_out": "hardware (machine time)",
                                       "electricity_usd_per_1m_out": "electricity (x PUE)"})  # fmt: skip
    return (
        alt.Chart(parts, title=alt.TitleParams("$ per 1M output tokens: hardware and electricity", anchor="start"))
        .mark_bar()
        .encode(
            y=alt.Y("option:N", title=None, sort=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("usd:Q", title="$ per 1M output tokens"),
            color=alt.Color(
                "part:N", title=None, legend=alt.Legend(orient="bottom"), scale=alt.Scale(range=["#4c78a8", "#f58518"])
            ),
            tooltip=["option", "part", alt.Tooltip("usd:Q", format="$.4f")],
        )
        .properties(width="container", height=alt.Step(32))
    )


def electricity_section(results: list, hourly: float, utilization: float) -> None:
    st.subheader("Electricity beside the hourly price")
    electricity = electricity_inputs()
    if electricity is None:
        return
    frame = energy_costs(results, electricity, hourly, utilization)
    if frame.empty:
        st.info("No run with an energy figure yet: measure, or run a comparison.")
        return
    methods = "; ".join(sorted(set(frame["method"])))
    st.caption(escape_markdown(
        f"Energy per run: {methods}. This machine exposes no RAPL counter and no GPU, so its figures are CodeCarbon's "
        "estimate (the processor's TDP x the process's CPU time / cores); a machine with readable counters "
        "records 'measured: rapl' instead. Electricity = kWh x PUE x price; the hourly machine price may already "
        "include power (cloud rates do), so the two are shown side by side rather than added."
    ) if "estimated" in methods else escape_markdown(f"Energy per run: {methods}."))  # fmt: skip
    st.altair_chart(_shares_chart(frame), width="stretch")
    shown = frame[[c for c in COLUMNS if c in frame]].rename(columns=COLUMNS)
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "Electricity share": st.column_config.NumberColumn(format="percent"),
        "Hardware $ per 1M": st.column_config.NumberColumn(format="$%.4f"),
        "Electricity $ per 1M": st.column_config.NumberColumn(format="$%.5f"),
        "kWh per 1M output": st.column_config.NumberColumn(format="%.3f"),
        "Energy": st.column_config.TextColumn(width="large"),
    })  # fmt: skip
