"""Cost tables: measured throughput and price tables -> what answers and months cost.

Self-hosted rows come from measured runs (this machine's speed at a chosen $/hour);
API rows come from the dated price table. Both land in the same tidy frames so they
can share one axis.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from inference_core.measure import JOULES_PER_KWH, short_name, weights_label
from inference_core.price import pricing
from inference_core.price.pricing import ApiPrice, Traffic
from inference_core.types import RunResult

THROUGHPUT_COLUMNS = ("option", "params_m", "prefill_tok_per_s", "decode_tok_per_s", "runs")


def measured_throughput(results: Iterable[RunResult]) -> pd.DataFrame:
    """Median prefill and decode speed per model and weight format, from finished runs."""
    rows = [
        {
            "option": f"{short_name(r.model_name)} · {weights_label(r)}",
            "params_m": r.params_m,
            "prefill_tok_per_s": r.prefill_tok_per_s,
            "decode_tok_per_s": r.decode_tok_per_s,
        }
        for r in results
        if r.ok and r.decode_tok_per_s and r.prefill_tok_per_s
    ]
    if not rows:
        return pd.DataFrame(columns=list(THROUGHPUT_COLUMNS))
    frame = pd.DataFrame(rows)
    grouped = frame.groupby("option", sort=False)
    summary = grouped.median(numeric_only=True)
    summary["runs"] = grouped.size()
    return summary.reset_index()[list(THROUGHPUT_COLUMNS)]


def self_hosted_prices(throughput: pd.DataFrame, hourly_usd: float, utilization: float) -> pd.DataFrame:
    """$ per 1M input and output tokens for each measured option at this rate."""
    frame = throughput.copy()
    frame["usd_per_1m_in"] = [pricing.usd_per_1m_tokens(v, hourly_usd, utilization) for v in frame["prefill_tok_per_s"]]
    frame["usd_per_1m_out"] = [pricing.usd_per_1m_tokens(v, hourly_usd, utilization) for v in frame["decode_tok_per_s"]]
    frame["kind"] = "self-hosted"
    return frame


def api_frame(apis: Sequence[ApiPrice]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"option": f"{p.model} (API)", "usd_per_1m_in": p.usd_per_1m_in, "usd_per_1m_out": p.usd_per_1m_out,
             "kind": "API", "source": p.source, "date": p.date}
            for p in apis
        ]
    )  # fmt: skip


def answer_cost_curve(prices: pd.DataFrame, tokens_in: int, lengths: Sequence[int]) -> pd.DataFrame:
    """Cost of one answer as it grows: one row per option and output length."""
    records = []
    for _, row in prices.iterrows():
        for n in lengths:
            cost = pricing.answer_usd(tokens_in, n, row["usd_per_1m_in"], row["usd_per_1m_out"])
            if cost is not None:
                records.append({"option": row["option"], "kind": row["kind"], "tokens_out": n, "usd_answer": cost})
    return pd.DataFrame(records)


def input_costs(tokens: int, self_hosted_usd_per_1m_in: float | None, apis: pd.DataFrame) -> dict[str, Any]:
    """What ``tokens`` input tokens cost: self-hosted (None: no measured price) and at each API (``api_frame``)."""
    costs = {"self-hosted $": None if self_hosted_usd_per_1m_in is None else tokens * self_hosted_usd_per_1m_in / 1e6}
    costs.update({f"{api['option']} $": tokens * api["usd_per_1m_in"] / 1e6 for _, api in apis.iterrows()})
    return costs


def monthly_costs(
    traffic: Traffic,
    throughput: pd.DataFrame,
    apis: Sequence[ApiPrice],
    hourly_usd: float,
    utilization: float,
) -> pd.DataFrame:
    """A month of this traffic: whole machines for each measured option, per-token for each API."""
    requests = traffic.requests_per_month
    records = []
    for _, row in throughput.iterrows():
        month = pricing.self_hosted_monthly(
            traffic, hourly_usd, row["prefill_tok_per_s"], row["decode_tok_per_s"], utilization
        )
        records.append({"option": row["option"], "kind": "self-hosted", "usd_per_month": month.usd,
                        "machines": month.machines, "busy_share": month.busy_share})  # fmt: skip
    for price in apis:
        usd = pricing.api_monthly_usd(traffic, price)
        records.append({"option": f"{price.model} (API)", "kind": "API", "usd_per_month": usd,
                        "machines": None, "busy_share": None})  # fmt: skip
    frame = pd.DataFrame(records)
    frame["usd_per_request"] = frame["usd_per_month"] / requests if requests else None
    return frame.sort_values("usd_per_month", kind="stable").reset_index(drop=True)


def break_evens(
    traffic: Traffic,
    throughput: pd.DataFrame,
    apis: Sequence[ApiPrice],
    hourly_usd: float,
    utilization: float,
) -> pd.DataFrame:
    """For each measured option and API: the monthly requests above which self-hosting is cheaper."""
    records = []
    for _, row in throughput.iterrows():
        for price in apis:
            result = pricing.break_even(
                traffic, price, hourly_usd, row["prefill_tok_per_s"], row["decode_tok_per_s"], utilization
            )
            records.append({"self-hosted": row["option"], "API": price.model,
                            "break_even_requests_per_month": None if result.requests_per_month is None else
                            math.ceil(result.requests_per_month),  # whole requests
                            "verdict": result.reason})  # fmt: skip
    return pd.DataFrame(records)


@dataclass(frozen=True)
class Electricity:
    """What a kWh costs at the wall and how much the building adds (PUE); optionally the grid's CO2."""

    usd_per_kwh: float
    pue: float
    grid_g_co2_per_kwh: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.usd_per_kwh <= 10:
            raise pricing.PriceError(f"electricity must be between $0 and $10 per kWh, got {self.usd_per_kwh!r}")
        if not 1 <= self.pue <= 5:
            raise pricing.PriceError(f"PUE must be between 1 and 5, got {self.pue!r}")
        if not 0 <= self.grid_g_co2_per_kwh <= 2000:
            raise pricing.PriceError(
                f"grid intensity must be between 0 and 2000 g/kWh, got {self.grid_g_co2_per_kwh!r}"
            )


def electricity_defaults() -> dict[str, dict[str, str]]:
    """The shipped, dated and sourced defaults: name -> value, unit, source, date."""
    return {row["name"]: row for row in pricing.read_csv("electricity.csv")}


def energy_costs(results: Iterable[RunResult], electricity: Electricity, hourly_usd: float,
                 utilization: float) -> pd.DataFrame:  # fmt: skip
    """Per model and setting, from runs with an energy figure: energy per 1M output tokens (the whole
    answer's energy over its output tokens), its electricity cost at the wall (x PUE), beside the
    machine-time (hardware) cost of the same tokens (the price table's own figure: ``self_hosted_prices`` of the
    same runs, one number per definition), and CO2 when a grid intensity is given."""
    results = list(results)
    rows = [{"option": f"{short_name(r.model_name)} · {weights_label(r)}",
             "kwh_per_1m_out": r.energy_j / r.tokens_out * 1e6 / JOULES_PER_KWH,
             "method": r.energy_method.split(",")[0]}
            for r in results if r.ok and r.energy_j and r.tokens_out and r.decode_tok_per_s]  # fmt: skip
    if not rows:
        return pd.DataFrame()
    prices = self_hosted_prices(measured_throughput(results), hourly_usd, utilization)
    frame = pd.DataFrame(rows)
    grouped = frame.groupby("option", sort=False)
    summary = grouped[["kwh_per_1m_out"]].median()
    summary["hardware_usd_per_1m_out"] = summary.index.map(prices.set_index("option")["usd_per_1m_out"])
    summary["method"] = grouped["method"].agg(lambda methods: "; ".join(sorted(set(methods))))
    summary["runs"] = grouped.size()
    summary["electricity_usd_per_1m_out"] = summary["kwh_per_1m_out"] * electricity.pue * electricity.usd_per_kwh
    summary["electricity_share"] = summary["electricity_usd_per_1m_out"] / (
        summary["electricity_usd_per_1m_out"] + summary["hardware_usd_per_1m_out"]
    )
    if electricity.grid_g_co2_per_kwh:
        summary["co2_g_per_1m_out"] = summary["kwh_per_1m_out"] * electricity.pue * electricity.grid_g_co2_per_kwh
    return summary.reset_index()
