"""The Cost page's editable price tables and the per-tokenizer token counts."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from inference_core import pricing
from inference_core.backends.transformers_backend import prompt_ids
from inference_core.catalog import resolve_reference
from inference_core.pricing import ApiPrice, HardwareRate, PriceError
from inference_core.report import short_name
from inference_core.types import Settings
from ui import state
from ui.resources import backend_context
from ui.text import notice

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
        return pricing.parse_rows(edited.to_dict("records"), kind)
    except PriceError as exc:
        notice("error", f"{title}: {exc}. Using the shipped table until it is fixed.")
        return records


def edited_tables() -> list[ApiPrice]:
    """Machine rate picker and both price tables; returns the API prices in force."""
    shipped_rates, shipped_apis = pricing.hardware_rates(), pricing.api_prices()
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
            loaded = backend_context().pool.get(spec, Settings())
        except Exception as exc:  # one model failing does not hide the others
            notice("error", f"{ref}: {exc}")
            continue
        with loaded.lock:  # a tokenizer shared across sessions is not thread-safe
            count = len(prompt_ids(loaded.tokenizer, prompt, spec.chat))
        price = self_hosted.loc[self_hosted["option"].str.startswith(short_name(spec.name)), "usd_per_1m_in"]
        row = {"model": spec.name, "tokens": count,
               "self-hosted $": count * price.min() / 1e6 if len(price) else None}  # fmt: skip
        for _, api in apis.iterrows():
            row[f"{api['option']} $"] = count * api["usd_per_1m_in"] / 1e6
        rows.append(row)
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    frame.insert(2, "vs fewest", frame["tokens"] / frame["tokens"].min() - 1)
    return frame
