"""Capacity planning on hand-made goodput curves: the objective met, met nowhere, an audience of zero."""

from __future__ import annotations

import pandas as pd
import pytest

from inference_core.price.capacity import Audience, MachineCapacity, audience_curve, machine_capacity, plan_fleet
from inference_core.price.pricing import ApiPrice


def _levels(goodputs: list[float], tokens_out: float = 100.0) -> pd.DataFrame:
    return pd.DataFrame([{"model_name": "M", "setting": "float32 batched · greedy", "load": "concurrency",
                          "value": float(2**i), "goodput_rps": g, "tokens_out_mean": tokens_out}
                         for i, g in enumerate(goodputs)])  # fmt: skip


AUDIENCE = Audience(users=86_400, requests_per_user_per_day=1, tokens_in=200, tokens_out=100, peak_factor=2)


def test_the_fleet_covers_the_peak_with_the_best_goodput_measured():
    capacity = machine_capacity(_levels([0.5, 1.5, 0.8]), tokens_out=100)  # goodput falls past the knee
    assert capacity.requests_per_s == pytest.approx(1.5) and "concurrency 2" in capacity.basis
    plan = plan_fleet(AUDIENCE, capacity, hourly_usd=1.0)
    assert AUDIENCE.peak_requests_per_s == pytest.approx(2.0)  # 1 request/s on average, twice that at the peak
    assert plan.machines == 2 and plan.usd_per_month == pytest.approx(2 * 730)


def test_capacity_scales_with_the_output_length_asked_for():
    capacity = machine_capacity(_levels([2.0], tokens_out=50.0), tokens_out=100)
    assert capacity.requests_per_s == pytest.approx(1.0)  # half as many requests of twice the length


def test_an_objective_met_at_no_load_needs_no_number_of_machines():
    capacity = machine_capacity(_levels([0.0, 0.0]), tokens_out=100)
    plan = plan_fleet(AUDIENCE, capacity, hourly_usd=1.0)
    assert plan.machines is None and plan.usd_per_month is None and "no measured load" in plan.note


def test_an_audience_of_zero_needs_no_machine():
    empty = Audience(users=0, requests_per_user_per_day=5, tokens_in=200, tokens_out=100)
    plan = plan_fleet(empty, MachineCapacity(1.0, "x"), hourly_usd=1.0)
    assert (plan.machines, plan.usd_per_month) == (0, 0.0)


def test_no_levels_is_no_capacity_and_bad_audiences_are_refused():
    assert machine_capacity(pd.DataFrame(), 100) is None
    for bad, named in (({"users": -1}, "users"), ({"tokens_out": 0}, "tokens_out"), ({"peak_factor": 0.5}, "peak")):
        with pytest.raises(ValueError, match=f"^{named}.* must be at least"):
            Audience(**{"users": 1, "requests_per_user_per_day": 1, "tokens_in": 1, "tokens_out": 1} | bad)


def test_the_audience_curve_grows_the_fleet_in_whole_machines_beside_api_bills():
    api = ApiPrice("api", "p", 1.0, 2.0, "s", "2025-01-01")
    curve = audience_curve(AUDIENCE, MachineCapacity(1.5, "x"), 1.0, [api])
    fleet = curve[curve["option"] == "self-hosted fleet"]
    assert fleet["users"].max() == 10 * AUDIENCE.users
    assert fleet["machines"].is_monotonic_increasing and fleet["machines"].iloc[-1] == 14  # 20 requests/s / 1.5
    bills = curve[curve["option"] == "api"]
    assert bills["usd_per_month"].iloc[-1] == pytest.approx(864_000 * 30 * (200 * 1 + 100 * 2) / 1e6)


def test_without_a_traffic_run_capacity_is_one_request_at_a_time_within_the_objective():
    from inference_core.price.capacity import assumed_capacity
    from inference_core.price.goodput import LatencyObjective

    audience = Audience(users=10, tokens_out=11)
    assert assumed_capacity(None, audience, LatencyObjective()).requests_per_s == 0.0
    fast = assumed_capacity((0.5, 20.0), audience, LatencyObjective())  # 0.5 s + 10 tokens / 20 per s = 1 s
    assert fast.requests_per_s == pytest.approx(1.0) and not fast.measured and "within" in fast.basis
    slow = assumed_capacity((3.0, 20.0), audience, LatencyObjective(ttft_s=2.0))
    assert slow.requests_per_s == 0.0 and "outside" in slow.basis
