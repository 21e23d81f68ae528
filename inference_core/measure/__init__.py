"""Measure: timing metrics and their statistics, memory, energy, the machine's environment, and reports.

The names below are the wing's public face; its modules are private to it (other wings import from here)."""

from __future__ import annotations

from inference_core import lazy_face

_FACE = {
    "effect": (
        "BUSY_LIMIT",
        "RESAMPLES",
        "CpuWatch",
        "Effect",
        "effect_sentence",
        "interleaved",
        "ratio_of_medians",
        "share_interval",
    ),
    "energy": (
        "EnergyMeter",
        "JOULES_PER_KWH",
        "electricity_usd",
    ),
    "environment": (
        "collect_environment",
        "measured_on",
        "now_iso",
        "passport",
    ),
    "memory": (
        "DTYPE_BYTES",
        "MB",
        "PeakRssSampler",
        "cuda_peak_mb",
        "kv_cache_bytes",
        "kept_bandwidth_gb_s",
        "memory_bandwidth_gb_s",
        "rss_mb",
        "tensor_bytes",
    ),
    "metrics": (
        "fit_line",
        "fit_output_length",
        "noisy_points",
        "statistics_eta",
        "summarize_rows",
        "timing_metrics",
    ),
    "report": (
        "METRIC_COLUMNS",
        "REPORT_DATA_ID",
        "UNITS",
        "figure",
        "undefined_figures",
        "lane_label",
        "load_columns",
        "lane_title",
        "load_label",
        "metric_help",
        "results_csv",
        "results_frame",
        "result_record",
        "results_json",
        "settings_label",
        "short_name",
        "weights_label",
        "with_environment",
    ),
}
__all__, __getattr__ = lazy_face(__name__, _FACE)
