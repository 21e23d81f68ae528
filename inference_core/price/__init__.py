"""Price: machine time and API prices, monthly cost and break-evens, capacity planning and goodput.

The names below are the wing's public face; its modules are private to it (other wings import from here)."""

from __future__ import annotations

from inference_core import lazy_face

_FACE = {
    "capacity": (
        "Audience",
        "assumed_capacity",
        "DEFAULT_PEAK_FACTOR",
        "MachineCapacity",
        "audience_curve",
        "machine_capacity",
        "plan_fleet",
    ),
    "cost": (
        "Electricity",
        "answer_cost_curve",
        "input_costs",
        "api_frame",
        "break_evens",
        "electricity_defaults",
        "energy_costs",
        "measured_throughput",
        "monthly_costs",
        "self_hosted_prices",
    ),
    "goodput": (
        "DEFAULT_TPOT_SLO_S",
        "DEFAULT_TTFT_SLO_S",
        "LatencyObjective",
        "level_summary",
        "levels_from_rows",
    ),
    "pricing": (
        "ApiPrice",
        "DEFAULT_MACHINE",
        "DEFAULT_UTILIZATION",
        "HardwareRate",
        "PriceError",
        "Traffic",
        "api_monthly_usd",
        "api_prices",
        "default_hourly_usd",
        "default_pricer",
        "hardware_rates",
        "machine_time_usd",
        "parse_rows",
        "usd_per_1m_tokens",
    ),
}
__all__, __getattr__ = lazy_face(__name__, _FACE)
