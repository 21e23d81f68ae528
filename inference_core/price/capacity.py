"""Capacity planning: how many machines an audience needs at a latency objective, and what they cost.

A machine's capacity is the traffic experiment's goodput (requests per second meeting the TTFT and
TPOT objectives), the best over the measured load levels and lane settings of the model, not its
single-request speed: serving many users at once is a different regime from answering one. The
peak request rate is users x requests per user per day / 86,400 x a peak-hour factor; the fleet is
``ceil(peak rate / capacity)`` whole machines rented around the clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

import pandas as pd
from pydantic import Field

from inference_core.price.goodput import LatencyObjective
from inference_core.price.pricing import (
    HOURS_PER_MONTH,
    ApiPrice,
    RequestsPerDay,
    TokensIn,
    TokensOut,
    Traffic,
    Users,
    api_monthly_usd,
)
from inference_core.types import Form

SECONDS_PER_DAY = 86_400
DEFAULT_PEAK_FACTOR = 3.0
"""Peak hour against the day's average hour: consumer chat traffic peaks at a few times its average."""


class Audience(Form):
    """Who a fleet serves: users x requests per user per day, at the busiest hour's rate."""

    users: Users = 10_000
    requests_per_user_per_day: RequestsPerDay = 5.0
    tokens_in: TokensIn = 200
    tokens_out: Annotated[TokensOut, Field(ge=1)] = 100
    peak_factor: Annotated[float, Field(ge=1, le=100, allow_inf_nan=False)] = DEFAULT_PEAK_FACTOR

    @property
    def peak_requests_per_s(self) -> float:
        return self.users * self.requests_per_user_per_day / SECONDS_PER_DAY * self.peak_factor

    @property
    def traffic(self) -> Traffic:
        return Traffic(**self.model_dump(exclude={"peak_factor"}))


@dataclass(frozen=True)
class MachineCapacity:
    """Requests per second one machine serves within the objective, and from which measurement."""

    requests_per_s: float
    basis: str
    """The level it comes from, or what is assumed without a traffic measurement."""
    measured: bool = True


def machine_capacity(levels: pd.DataFrame, tokens_out: int) -> MachineCapacity | None:
    """The best goodput over the levels (their objective already applied), scaled to ``tokens_out``:
    a level measured at a mean of N output tokens serves N / tokens_out as many requests of the
    audience's length (its output tokens per second are what it sells). None without levels."""
    if levels.empty or "goodput_rps" not in levels or levels["goodput_rps"].isna().all():
        return None
    best = levels.loc[levels["goodput_rps"].fillna(0).idxmax()]
    measured_tokens = float(best.get("tokens_out_mean") or tokens_out)
    scaled = float(best["goodput_rps"] or 0.0) * measured_tokens / tokens_out
    basis = (f"{best['model_name']} · {best['setting']} at {best['load']} {best['value']:g}: goodput "
             f"{best['goodput_rps']:.3g} requests/s at {measured_tokens:.0f} output tokens")  # fmt: skip
    return MachineCapacity(scaled, basis)


UNMET = "the objective was met at no measured load: relax it, or measure a faster setting"


def assumed_capacity(speeds: tuple[float, float] | None, audience: Audience,
                     objective: LatencyObjective) -> MachineCapacity:  # fmt: skip
    """Without a traffic run: one request at a time at the model's measured single-request speed (``speeds``:
    TTFT in seconds and decode tokens per second; None: not measured yet)."""
    if speeds is None:
        return MachineCapacity(0.0, "no measurement of this model yet", measured=False)
    ttft, decode = speeds
    seconds = ttft + (audience.tokens_out - 1) / decode
    meets = ttft <= objective.ttft_s and 1 / decode <= objective.tpot_s
    basis = (f"assumed until a traffic run exists: one request at a time, {seconds:.2f} s each at this "
             f"machine's single-request speed ({'within' if meets else 'outside'} the objective)")  # fmt: skip
    return MachineCapacity(1 / seconds if meets else 0.0, basis, measured=False)


@dataclass(frozen=True)
class FleetPlan:
    machines: int | None
    """None when one machine meets the objective at no measured load (no number of them will)."""
    peak_requests_per_s: float
    capacity: MachineCapacity
    usd_per_month: float | None
    note: str


def plan_fleet(audience: Audience, capacity: MachineCapacity, hourly_usd: float) -> FleetPlan:
    peak = audience.peak_requests_per_s
    if peak == 0:
        return FleetPlan(0, 0.0, capacity, 0.0, "no requests: no machine needed")
    if capacity.requests_per_s <= 0:
        return FleetPlan(None, peak, capacity, None, UNMET)
    machines = math.ceil(peak / capacity.requests_per_s - 1e-9)
    busy = peak / (machines * capacity.requests_per_s)
    note = f"{machines} machine(s) at the peak hour, each at {busy:.0%} of its goodput"
    return FleetPlan(machines, peak, capacity, machines * hourly_usd * HOURS_PER_MONTH, note)


def audience_curve(
    audience: Audience, capacity: MachineCapacity, hourly_usd: float, apis: list[ApiPrice], points: int = 13
) -> pd.DataFrame:
    """Machines and $ per month against audience size (log-spaced up to 10x the audience), with each
    API's monthly bill for the same traffic; tidy: users, option, usd_per_month, machines."""
    top = max(audience.users * 10, 100)
    sizes = sorted({max(1, round(top ** (i / (points - 1)))) for i in range(points)})
    rows = []
    for users in sizes:
        sized = audience.replace(users=users)
        fleet = plan_fleet(sized, capacity, hourly_usd)
        if fleet.usd_per_month is not None:
            rows.append({"users": users, "option": "self-hosted fleet", "usd_per_month": fleet.usd_per_month,
                         "machines": fleet.machines})  # fmt: skip
        rows += [{"users": users, "option": api.model, "usd_per_month": api_monthly_usd(sized.traffic, api),
                  "machines": None} for api in apis]  # fmt: skip
    return pd.DataFrame(rows)
