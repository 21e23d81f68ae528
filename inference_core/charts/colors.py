"""One colour per model on every chart and page."""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import altair as alt

PALETTE = "tableau10"
COLORS = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d",
          "#bab0ac")  # fmt: skip
"""Tableau 10; the catalog's models take them in order so a model keeps its colour on every chart and page."""
MODEL_ORDER = (
    "SmolLM2 135M Instruct", "Gemma 3 270M base", "SmolLM2 360M Instruct", "Qwen2.5 0.5B Instruct",
    "Qwen2.5 1.5B Instruct", "SmolLM2 1.7B Instruct", "Qwen2.5 3B Instruct", "Qwen2.5 7B Instruct",
)  # fmt: skip


def model_color(name: str) -> str:
    """The colour of a model (its short name): fixed for the catalog, stable (a hash) for any other."""
    if name in MODEL_ORDER:
        return COLORS[MODEL_ORDER.index(name)]
    return COLORS[zlib.crc32(name.encode("utf-8")) % len(COLORS)]


def model_scale(names: Iterable[str]) -> alt.Scale:
    domain = sorted(set(names))
    return alt.Scale(domain=domain, range=[model_color(name) for name in domain])
