"""Runs: lanes (a model and its settings), the runner that streams them side by side, background jobs.

The names below are the wing's public face; its modules are private to it (other wings import from here)."""

from __future__ import annotations

from inference_core import lazy_face

_FACE = {
    "jobs": ("BackgroundJob",),
    "lanes": (
        "Lane",
        "Samples",
        "format_lane",
        "lane_settings",
        "settings_from_text",
        "split_lane",
    ),
    "runner": (
        "Comparison",
        "Finalize",
        "MODES",
        "MODE_HELP",
        "compare",
        "engine_for",
        "lane_problem",
        "run_lane",
    ),
}
__all__, __getattr__ = lazy_face(__name__, _FACE)
