"""Charts: Altair figures for every page (compare, experiments, price, tokens, trade-offs, traffic).

The names below are the wing's public face; its modules are private to it (other wings import from here)."""

from __future__ import annotations

from inference_core import lazy_face

_FACE = {
    "figures": (
        "answer_cost_chart",
        "compare_charts",
        "estimate_chart",
        "experiment_charts",
        "monthly_chart",
        "price_vs_params",
    ),
    "token_charts": (
        "confidence_chart",
        "confidence_html",
        "divergence",
        "marked_sample",
        "quality_chart",
        "token_chips",
    ),
    "tradeoff": (
        "tradeoff_figure",
        "tradeoff_frame",
    ),
    "report_page": (
        "DATA_ID",
        "tour_report",
    ),
    "tour_charts": ("chapter_chart",),
}
__all__, __getattr__ = lazy_face(__name__, _FACE)
