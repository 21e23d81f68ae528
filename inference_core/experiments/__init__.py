"""Experiments: plans (one planner per experiment, in a registry) and the job that runs them."""

from __future__ import annotations

from inference_core import lazy_face

_FACE = {
    "evaluation": (
        "Evaluation",
        "eval_rows",
        "eval_summary",
    ),
    "job": (
        "Sweep",
        "SweepProgress",
        "result_row",
    ),
    "plans": (
        "DEFAULT_CONCURRENCY",
        "DEFAULT_INPUT_LENGTHS",
        "DEFAULT_OUTPUT_LENGTHS",
        "DEFAULT_RATES",
        "DEFAULT_SETTINGS_VARIANTS",
        "EXPERIMENTS",
        "REPEATS",
        "SETTINGS_CHOICES",
        "SweepError",
        "SweepPlan",
        "TrafficOptions",
        "estimate_plan",
        "parse_levels",
        "plan_sweep",
        "rough_speeds",
    ),
    "questions": (
        "Question",
        "MAX_CSV_BYTES",
        "QuestionError",
        "builtin_questions",
        "parse_questions",
    ),
    "traffic": (
        "OutputLengths",
        "PROMPT_SET_SPREAD",
    ),
    "tour": (
        "Chapter",
        "ChapterResult",
        "TOUR_PROMPT",
        "Tour",
        "TourProgress",
        "is_tour",
        "lanes_chapter",
        "run_chapter",
        "tour_data",
        "tour_run",
    ),
    "tour_chapters": ("chapters",),
    "tour_sentences": (
        "chapter_sentence",
        "points",
    ),
}
__all__, __getattr__ = lazy_face(__name__, _FACE)
