"""Inference Lens engine: models, backends, measurement, pricing, history. Never imports Streamlit.

The public face. app.py, pages/ and ui/ use the engine through three modules only: this one (the names
below, each loaded from its wing's own face on first use), ``inference_core.engine`` (the ``Engine``: runs, models and
history of one process) and ``inference_core.types`` (value types). Everything else is private to the
engine; ``tests/test_architecture.py`` holds every caller to that.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any

__version__ = "0.1.0"


def lazy_face(package: str, face: dict[str, tuple[str, ...]]) -> tuple[list[str], Callable[[str], Any]]:
    """A package's public face: its ``__all__`` and a module ``__getattr__`` that imports each name from the
    module that defines it on first use (``face``: module, relative to ``package``, -> names). Every wing's
    ``__init__`` is one, so ``python -m inference_core`` and a wing's light names never import torch."""
    home = {name: f"{package}.{module}" for module, names in face.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name not in home:
            raise AttributeError(f"module {package!r} has no public name {name!r}")
        value = getattr(import_module(home[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    return sorted(home), __getattr__


_FACE: dict[str, tuple[str, ...]] = {
    "models": (
        "COMMUNITY_CLOUD_MB",
        "DEFAULT_MODELS",
        "EXAMPLES",
        "EXAMPLE_TOKENS",
        "Endpoint",
        "EndpointError",
        "KeyRing",
        "ModelReferenceError",
        "ModelStatus",
        "NOTICE",
        "Secret",
        "available_memory_mb",
        "builtin_models",
        "check_base_url",
        "operator_endpoints",
        "resolve_reference",
    ),
    "runs": (
        "Comparison",
        "Lane",
        "Samples",
        "MODE_HELP",
        "format_lane",
        "lane_settings",
        "split_lane",
    ),
    "experiments": (
        "DEFAULT_CONCURRENCY",
        "DEFAULT_INPUT_LENGTHS",
        "DEFAULT_OUTPUT_LENGTHS",
        "DEFAULT_RATES",
        "DEFAULT_SETTINGS_VARIANTS",
        "EXPERIMENTS",
        "OutputLengths",
        "PROMPT_SET_SPREAD",
        "QuestionError",
        "SETTINGS_CHOICES",
        "Sweep",
        "SweepError",
        "SweepPlan",
        "SweepProgress",
        "TrafficOptions",
        "builtin_questions",
        "estimate_plan",
        "eval_summary",
        "parse_levels",
        "parse_questions",
        "plan_sweep",
        "result_row",
        "rough_speeds",
    ),
    "measure": (
        "UNITS",
        "figure",
        "undefined_figures",
        "collect_environment",
        "now_iso",
        "fit_output_length",
        "load_label",
        "metric_help",
        "noisy_points",
        "results_csv",
        "results_frame",
        "results_json",
        "rss_mb",
        "settings_label",
        "short_name",
        "summarize_rows",
        "with_environment",
    ),
    "price": (
        "ApiPrice",
        "Audience",
        "assumed_capacity",
        "input_costs",
        "DEFAULT_MACHINE",
        "DEFAULT_TPOT_SLO_S",
        "DEFAULT_TTFT_SLO_S",
        "DEFAULT_UTILIZATION",
        "Electricity",
        "HardwareRate",
        "LatencyObjective",
        "MachineCapacity",
        "PriceError",
        "Traffic",
        "answer_cost_curve",
        "api_frame",
        "api_prices",
        "audience_curve",
        "break_evens",
        "default_hourly_usd",
        "electricity_defaults",
        "energy_costs",
        "hardware_rates",
        "levels_from_rows",
        "machine_capacity",
        "machine_time_usd",
        "measured_throughput",
        "monthly_costs",
        "parse_rows",
        "plan_fleet",
        "self_hosted_prices",
    ),
    "history": (
        "BundleError",
        "load_user_catalog",
        "read_limited",
        "remember",
    ),
    "charts": (
        "answer_cost_chart",
        "chapter_chart",
        "compare_charts",
        "confidence_chart",
        "confidence_html",
        "divergence",
        "estimate_chart",
        "experiment_charts",
        "marked_sample",
        "monthly_chart",
        "price_vs_params",
        "quality_chart",
        "token_chips",
        "tradeoff_figure",
        "tour_report",
        "tradeoff_frame",
    ),
    "backends": ("REPLAY_SPEEDS",),
    "operator": (
        "OperatorError",
        "OperatorSettings",
        "operator_settings",
    ),
}
__all__, __getattr__ = lazy_face(__name__, _FACE)
