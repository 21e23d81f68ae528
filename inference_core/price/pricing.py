"""Prices: hardware $/hour and API $/1M tokens -> the cost of an answer and of a month.

Self-hosted:  usd_per_1m_out = hourly_usd / (decode_tok_per_s * 3600) * 1e6 / utilization
              usd_per_1m_in  = hourly_usd / (prefill_tok_per_s * 3600) * 1e6 / utilization
An answer:    tokens_in * usd_per_1m_in / 1e6 + tokens_out * usd_per_1m_out / 1e6
A local model is never free: the machine's hour is paid whether it is busy or not.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Any

from pydantic import Field

from inference_core.types import MAX_HOURLY_USD, Form, RunResult

HOURS_PER_MONTH = 730.0
DAYS_PER_MONTH = 30.0
DEFAULT_MACHINE = "This machine (2 vCPU cloud VM)"


class PriceError(ValueError):
    """An input that cannot give a price; the message is for the user."""


@dataclass(frozen=True)
class HardwareRate:
    name: str
    kind: str
    usd_per_hour: float
    source: str
    date: str

    def __post_init__(self) -> None:
        _check_hourly(self.usd_per_hour, "usd_per_hour")


@dataclass(frozen=True)
class ApiPrice:
    model: str
    provider: str
    usd_per_1m_in: float
    usd_per_1m_out: float
    source: str
    date: str

    def __post_init__(self) -> None:
        _check_price("usd_per_1m_in", self.usd_per_1m_in)
        _check_price("usd_per_1m_out", self.usd_per_1m_out)


def _check_price(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise PriceError(f"{name} must be a number, got {value!r}")
    if value < 0 or math.isinf(value) or value > MAX_HOURLY_USD:
        raise PriceError(f"{name} must be a finite number from 0 to {MAX_HOURLY_USD:,}, got {value}")
    return float(value)


def _check_hourly(value: Any, name: str = "hourly_usd") -> float:
    """Machine time always costs something: a local model is never free."""
    hourly = _check_price(name, value)
    if hourly == 0:
        raise PriceError(f"{name} must be above zero: machine time costs money even when it is yours")
    return hourly


def check_utilization(utilization: float) -> float:
    if not isinstance(utilization, int | float) or not 0 < utilization <= 1:
        raise PriceError(f"utilization must be above 0% and at most 100%, got {utilization!r}")
    return float(utilization)


def read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("inference_core.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def parse_rows(rows: Iterable[dict[str, Any]], kind: type) -> list[Any]:
    """Rows (from the CSV or an edited table) -> validated records; PriceError names the row."""
    fields = {f.name: f.type for f in dataclasses.fields(kind)}
    records = []
    for number, row in enumerate(rows, start=1):
        values = {}
        for name in fields:
            raw = row.get(name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                raise PriceError(f"row {number}: {name} is missing")
            if name.startswith("usd"):
                try:
                    raw = float(raw)
                except (TypeError, ValueError):
                    raise PriceError(f"row {number}: {name} must be a number, got {raw!r}") from None
            values[name] = raw if name.startswith("usd") else str(raw).strip()
        try:
            records.append(kind(**values))
        except PriceError as exc:
            raise PriceError(f"row {number}: {exc}") from None
    return records


def hardware_rates() -> list[HardwareRate]:
    return parse_rows(read_csv("hardware_rates.csv"), HardwareRate)


def api_prices() -> list[ApiPrice]:
    return parse_rows(read_csv("api_prices.csv"), ApiPrice)


def default_hourly_usd() -> float:
    return next(r.usd_per_hour for r in hardware_rates() if r.name == DEFAULT_MACHINE)


def usd_per_1m_tokens(tok_per_s: float | None, hourly_usd: float, utilization: float = 1.0) -> float | None:
    """Self-hosted price of 1M tokens at a measured throughput; None without a throughput."""
    hourly = _check_hourly(hourly_usd)
    util = check_utilization(utilization)
    if tok_per_s is None or tok_per_s <= 0 or math.isnan(tok_per_s):
        return None
    return hourly / (tok_per_s * 3600) * 1e6 / util


def answer_usd(
    tokens_in: int, tokens_out: int, usd_per_1m_in: float | None, usd_per_1m_out: float | None
) -> float | None:
    if usd_per_1m_in is None or usd_per_1m_out is None:
        return None
    return tokens_in * usd_per_1m_in / 1e6 + tokens_out * usd_per_1m_out / 1e6


def machine_time_usd(seconds: float | None, hourly_usd: float, utilization: float = 1.0) -> float | None:
    """What ``seconds`` of a machine cost: seconds * hourly_usd / 3600 / utilization (idle hours included)."""
    if seconds is None or math.isnan(seconds):
        return None
    return seconds * _check_hourly(hourly_usd) / 3600 / check_utilization(utilization)


def price_result(result: RunResult, hourly_usd: float, utilization: float = 1.0) -> RunResult:
    """The result with its self-hosted prices at this rate filled in: the answer costs the machine time it
    took (e2e_s), and $ per 1M input and output tokens follow from prefill and decode speed."""
    if not result.ok:
        return result
    return result.replace(
        usd_per_1m_in=usd_per_1m_tokens(result.prefill_tok_per_s, hourly_usd, utilization),
        usd_per_1m_out=usd_per_1m_tokens(result.decode_tok_per_s, hourly_usd, utilization),
        usd_answer=machine_time_usd(result.e2e_s, hourly_usd, utilization),
        hourly_usd=hourly_usd,
        utilization_pct=check_utilization(utilization) * 100,
    )


DEFAULT_UTILIZATION = 0.5
"""A machine paid around the clock is busy only part of it (peaks, nights, weekends): 100% would flatter
self-hosting; 50% is a generous share for one team's service."""


def default_pricer(
    hourly_usd: float | None = None, utilization: float = DEFAULT_UTILIZATION
) -> Callable[[RunResult], RunResult]:
    rate = default_hourly_usd() if hourly_usd is None else hourly_usd
    return lambda result: price_result(result, rate, utilization)


Users = Annotated[int, Field(ge=0, le=100_000_000)]
RequestsPerDay = Annotated[float, Field(ge=0, le=10_000, allow_inf_nan=False)]
TokensIn = Annotated[int, Field(ge=0, le=1_000_000)]
TokensOut = Annotated[int, Field(ge=0, le=100_000)]


class Traffic(Form):
    """A month of traffic: users x requests per user per day x tokens per request."""

    users: Users = 1000
    requests_per_user_per_day: RequestsPerDay = 5.0
    tokens_in: TokensIn = 500
    tokens_out: TokensOut = 250

    @property
    def requests_per_month(self) -> float:
        return self.users * self.requests_per_user_per_day * DAYS_PER_MONTH


def api_monthly_usd(traffic: Traffic, price: ApiPrice) -> float:
    per_request = answer_usd(traffic.tokens_in, traffic.tokens_out, price.usd_per_1m_in, price.usd_per_1m_out)
    return traffic.requests_per_month * (per_request or 0.0)


def seconds_per_request(traffic: Traffic, prefill_tok_per_s: float, decode_tok_per_s: float) -> float:
    if prefill_tok_per_s <= 0 or decode_tok_per_s <= 0:
        raise PriceError("throughput must be above zero to price self-hosting")
    return traffic.tokens_in / prefill_tok_per_s + traffic.tokens_out / decode_tok_per_s


@dataclass(frozen=True)
class SelfHostedMonth:
    machines: int
    usd: float
    busy_share: float
    """Share of the rented machine-hours spent generating."""


def self_hosted_monthly(
    traffic: Traffic,
    hourly_usd: float,
    prefill_tok_per_s: float,
    decode_tok_per_s: float,
    utilization: float = 1.0,
) -> SelfHostedMonth:
    """Whole machines rented around the clock, each busy at most ``utilization`` of the time."""
    hourly = _check_hourly(hourly_usd)
    util = check_utilization(utilization)
    busy_hours = traffic.requests_per_month * seconds_per_request(traffic, prefill_tok_per_s, decode_tok_per_s) / 3600
    machines = max(1, math.ceil(busy_hours / (HOURS_PER_MONTH * util) - 1e-9))
    return SelfHostedMonth(
        machines=machines,
        usd=machines * hourly * HOURS_PER_MONTH,
        busy_share=busy_hours / (machines * HOURS_PER_MONTH),
    )


@dataclass(frozen=True)
class BreakEven:
    requests_per_month: float | None
    """Monthly requests above which self-hosting is cheaper; None when it never is."""
    reason: str


def break_even(
    traffic: Traffic,
    price: ApiPrice,
    hourly_usd: float,
    prefill_tok_per_s: float,
    decode_tok_per_s: float,
    utilization: float = 1.0,
) -> BreakEven:
    """Where one rented machine costs the same as the API for the same requests."""
    util = check_utilization(utilization)
    machine_month = _check_hourly(hourly_usd) * HOURS_PER_MONTH
    api_per_request = (
        answer_usd(traffic.tokens_in, traffic.tokens_out, price.usd_per_1m_in, price.usd_per_1m_out) or 0.0
    )
    capacity = HOURS_PER_MONTH * 3600 * util / seconds_per_request(traffic, prefill_tok_per_s, decode_tok_per_s)
    if api_per_request <= 0 or api_per_request * capacity <= machine_month:
        return BreakEven(
            None,
            f"never at {util:.0%} utilization: one machine at full load serves {capacity:,.0f} requests "
            f"a month, which cost ${api_per_request * capacity:,.2f} on {price.model}, "
            f"less than the machine's ${machine_month:,.2f}",
        )
    requests = machine_month / api_per_request
    return BreakEven(
        requests,
        f"self-hosting is cheaper above {requests:,.0f} requests a month (one machine serves up to {capacity:,.0f})",
    )
