"""Inference Lens engine: models, backends, measurement, pricing, history. Never imports Streamlit.

The public face. app.py, pages/ and ui/ use the engine through three modules only: this one (the names
below, each loaded from its wing on first use), ``inference_core.engine`` (the ``Engine``: runs, models and
history of one process) and ``inference_core.types`` (value types). Everything else is private to the
engine; ``tests/test_architecture.py`` holds every caller to that.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_FACE: dict[str, tuple[str, ...]] = {
    "inference_core.models.catalog": (
        "DEFAULT_MODELS",
        "ModelReferenceError",
        "builtin_models",
        "resolve_reference",
    ),
    "inference_core.models.endpoints": (
        "Endpoint",
        "EndpointError",
        "KeyRing",
        "Secret",
        "check_base_url",
        "operator_endpoints",
    ),
    "inference_core.models.estimate": (
        "COMMUNITY_CLOUD_MB",
        "available_memory_mb",
    ),
    "inference_core.models.inventory": ("ModelStatus",),
    "inference_core.models.prompts": ("EXAMPLES",),
    "inference_core.models.shapes": ("NOTICE",),
    "inference_core.runs.lanes": (
        "Lane",
        "format_lane",
        "lane_settings",
        "split_lane",
    ),
    "inference_core.runs.runner": (
        "Comparison",
        "MODE_HELP",
    ),
    "inference_core.experiments.evaluation": ("eval_summary",),
    "inference_core.experiments.job": (
        "Sweep",
        "SweepProgress",
        "result_row",
    ),
    "inference_core.experiments.plans": (
        "DEFAULT_CONCURRENCY",
        "DEFAULT_INPUT_LENGTHS",
        "DEFAULT_OUTPUT_LENGTHS",
        "DEFAULT_RATES",
        "DEFAULT_SETTINGS_VARIANTS",
        "EXPERIMENTS",
        "SETTINGS_CHOICES",
        "SweepError",
        "SweepPlan",
        "TrafficOptions",
        "estimate_plan",
        "parse_levels",
        "plan_sweep",
        "rough_speeds",
    ),
    "inference_core.experiments.questions": (
        "QuestionError",
        "builtin_questions",
        "parse_questions",
    ),
    "inference_core.experiments.traffic": (
        "OutputLengths",
        "PROMPT_SET_SPREAD",
    ),
    "inference_core.measure.environment": ("collect_environment",),
    "inference_core.measure.memory": ("rss_mb",),
    "inference_core.measure.metrics": (
        "fit_output_length",
        "noisy_points",
        "summarize_rows",
    ),
    "inference_core.measure.report": (
        "UNITS",
        "load_label",
        "metric_help",
        "results_csv",
        "results_frame",
        "results_json",
        "settings_label",
        "short_name",
        "with_environment",
    ),
    "inference_core.price.capacity": (
        "Audience",
        "MachineCapacity",
        "audience_curve",
        "machine_capacity",
        "plan_fleet",
    ),
    "inference_core.price.cost": (
        "Electricity",
        "answer_cost_curve",
        "api_frame",
        "break_evens",
        "electricity_defaults",
        "energy_costs",
        "measured_throughput",
        "monthly_costs",
        "self_hosted_prices",
    ),
    "inference_core.price.goodput": (
        "DEFAULT_TPOT_SLO_S",
        "DEFAULT_TTFT_SLO_S",
        "LatencyObjective",
        "levels_from_rows",
    ),
    "inference_core.price.pricing": (
        "ApiPrice",
        "DEFAULT_MACHINE",
        "DEFAULT_UTILIZATION",
        "HardwareRate",
        "PriceError",
        "Traffic",
        "api_prices",
        "default_hourly_usd",
        "hardware_rates",
        "machine_time_usd",
        "parse_rows",
    ),
    "inference_core.history.bundle": (
        "BundleError",
        "read_limited",
    ),
    "inference_core.history.catalog_file": (
        "load_user_catalog",
        "remember",
    ),
    "inference_core.charts.figures": (
        "answer_cost_chart",
        "compare_charts",
        "estimate_chart",
        "experiment_charts",
        "monthly_chart",
        "price_vs_params",
    ),
    "inference_core.charts.token_charts": (
        "confidence_chart",
        "confidence_html",
        "divergence",
        "marked_sample",
        "quality_chart",
        "token_chips",
    ),
    "inference_core.charts.tradeoff": (
        "tradeoff_figure",
        "tradeoff_frame",
    ),
    "inference_core.operator": (
        "OperatorError",
        "OperatorSettings",
        "operator_settings",
    ),
}
_HOME = {name: module for module, names in _FACE.items() for name in names}
__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    """A public name, imported from its wing when first asked for (``python -m inference_core`` stays light)."""
    if name not in _HOME:
        raise AttributeError(f"module 'inference_core' has no public name {name!r}")
    value = getattr(import_module(_HOME[name]), name)
    globals()[name] = value
    return value
