"""``python -m inference_core estimate-capacity``: machines for an audience, from saved traffic runs."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from inference_core.price import (
    DEFAULT_PEAK_FACTOR,
    DEFAULT_TPOT_SLO_S,
    DEFAULT_TTFT_SLO_S,
    Audience,
    LatencyObjective,
    api_monthly_usd,
    api_prices,
    default_hourly_usd,
    machine_capacity,
    plan_fleet,
)
from inference_core.types import MachinePrice

NO_MEASUREMENT = 3
"""Exit status when no traffic run of the model is saved yet."""


def given_flags(args: argparse.Namespace, **fields: str) -> dict[str, Any]:
    """field -> flag value for the flags given: an absent flag leaves its default to the engine's record."""
    return {field: getattr(args, flag) for field, flag in fields.items() if getattr(args, flag) is not None}


def add_parser(commands: Any) -> None:
    plan = commands.add_parser(
        "estimate-capacity", help="machines an audience needs within a latency objective, from saved traffic runs"
    )
    plan.add_argument("--model", required=True, metavar="REF", help="a model with a saved traffic run")
    plan.add_argument("--users", type=int, required=True)
    plan.add_argument("--requests-per-day", type=float, required=True, help="requests per user per day")
    plan.add_argument("--tokens-in", type=int, required=True)
    plan.add_argument("--tokens-out", type=int, required=True)
    plan.add_argument("--ttft-slo", type=float, metavar="SECONDS", help=f"default: {DEFAULT_TTFT_SLO_S:g}")
    plan.add_argument("--tpot-slo", type=float, metavar="SECONDS", help=f"default: {DEFAULT_TPOT_SLO_S:g}")
    plan.add_argument("--peak-factor", type=float, help=f"peak hour against average (default: {DEFAULT_PEAK_FACTOR:g})")
    plan.add_argument("--hourly-usd", type=float, default=None, help="one machine's price per hour")
    plan.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, engine: Any, usage_error: type[Exception]) -> int:
    try:
        audience = Audience(users=args.users, requests_per_user_per_day=args.requests_per_day, tokens_in=args.tokens_in,
                            tokens_out=args.tokens_out, **given_flags(args, peak_factor="peak_factor"))  # fmt: skip
        objective = LatencyObjective(**given_flags(args, ttft_s="ttft_slo", tpot_s="tpot_slo"))
        price = MachinePrice(hourly_usd=args.hourly_usd)
        hourly = default_hourly_usd() if price.hourly_usd is None else price.hourly_usd
    except ValueError as exc:
        raise usage_error(str(exc)) from None
    levels, run_id = engine.traffic_levels(args.model, objective)
    capacity = machine_capacity(levels, audience.tokens_out)
    if capacity is None:
        print(f"error: no saved traffic run of {args.model}: measure one first, for example\n"
              f"  python -m inference_core sweep --experiment traffic --model {args.model}:batching=continuous "
              f"--concurrency 1,2,4 --save", file=sys.stderr)  # fmt: skip
        return NO_MEASUREMENT
    fleet = plan_fleet(audience, capacity, hourly)
    apis = {api.model: api_monthly_usd(audience.traffic, api) for api in api_prices()}
    found = {"model": args.model, "machines": fleet.machines, "usd_per_month": fleet.usd_per_month,
             "peak_requests_per_s": fleet.peak_requests_per_s, "capacity_requests_per_s": capacity.requests_per_s,
             "basis": capacity.basis, "traffic_run": run_id, "hourly_usd": hourly, "note": fleet.note,
             "ttft_slo_s": objective.ttft_s, "tpot_slo_s": objective.tpot_s, "apis_usd_per_month": apis}  # fmt: skip
    if args.json:
        print(json.dumps(found))
    else:
        machines = "none can meet it" if fleet.machines is None else f"{fleet.machines}"
        cost = "" if fleet.usd_per_month is None else f", ${fleet.usd_per_month:,.2f} a month at ${hourly:g}/h"
        print(f"{args.model}: {machines} machine(s){cost}\n  peak {fleet.peak_requests_per_s:.3g} requests/s; "
              f"one machine: {capacity.requests_per_s:.3g} within TTFT <= {objective.ttft_s:g} s and TPOT <= "
              f"{objective.tpot_s:g} s ({capacity.basis}; run {run_id})\n  {fleet.note}")  # fmt: skip
        for model, usd in sorted(apis.items(), key=lambda item: item[1]):
            print(f"  {model}: ${usd:,.2f} a month for the same traffic")
    return 0
