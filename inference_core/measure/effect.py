"""Effects that survive a busy machine: how much one condition changes a figure against another, as a ratio
of medians with a bootstrap 95% interval, measured while watching how much of the CPU other programs took.

A claim such as "a longer output takes longer" is measured by running its conditions interleaved (short,
long, short, long, ...: a slow spell of the machine hits both alike), several times each. The effect is
``median(changed) / median(baseline)``; its interval comes from resampling each condition's runs with
replacement (a percentile bootstrap). The verdict never says more than the data do: an interval that holds
1 ("no effect"), or a machine that other programs kept busy, is called inconclusive, with its figures.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import psutil

RESAMPLES = 2000
BUSY_LIMIT = 0.5
"""Past this share of the CPU taken by other programs while measuring, an effect is not stated."""


@dataclass(frozen=True)
class Effect:
    """``changed`` against ``baseline``: the ratio of their medians and its bootstrap 95% interval."""

    ratio: float
    low: float
    high: float
    runs: tuple[int, int]
    """Runs of (baseline, changed)."""
    busy_share: float | None = None
    """Share of the machine's CPU other programs took while this was measured (None: not watched)."""

    @property
    def busy(self) -> bool:
        return self.busy_share is not None and self.busy_share > BUSY_LIMIT

    @property
    def direction(self) -> int:
        """+1: the change raises the figure, -1: lowers it, 0: the interval holds "no effect" (1.0)."""
        if self.low > 1:
            return 1
        return -1 if self.high < 1 else 0

    @property
    def conclusive(self) -> bool:
        return self.direction != 0 and not self.busy

    def interval(self) -> str:
        """The interval, the runs and how busy the machine was: what backs a stated ratio."""
        busy = "" if self.busy_share is None else f"; other programs took {self.busy_share:.0%} of the CPU"
        return f"95% interval {self.low:.2f}-{self.high:.2f}x, {self.runs[0]} and {self.runs[1]} runs{busy}"

    def figures(self) -> str:
        """The numbers behind any sentence about this effect, conclusive or not."""
        return f"{self.ratio:.2f}x, {self.interval()}"


def ratio_of_medians(baseline: Sequence[float], changed: Sequence[float], busy_share: float | None = None,
                     resamples: int = RESAMPLES, seed: int = 0) -> Effect:  # fmt: skip
    """The effect of a change on a figure; ValueError without a positive measurement on each side."""
    a, b = np.asarray(baseline, dtype=float), np.asarray(changed, dtype=float)
    if a.size == 0 or b.size == 0 or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("an effect needs finite measurements of both conditions")
    if np.median(a) <= 0:
        raise ValueError("the baseline's median must be above zero to take a ratio")
    rng = np.random.default_rng(seed)
    a_medians = np.median(rng.choice(a, size=(resamples, a.size)), axis=1)
    b_medians = np.median(rng.choice(b, size=(resamples, b.size)), axis=1)
    ratios = b_medians / np.where(a_medians > 0, a_medians, np.nan)
    low, high = np.nanpercentile(ratios, [2.5, 97.5])
    return Effect(float(np.median(b) / np.median(a)), float(low), float(high), (a.size, b.size), busy_share)


def interleaved(conditions: Sequence[Any], repeats: int) -> list[Any]:
    """Each condition ``repeats`` times, in turn (a, b, a, b, ...), so a slow spell touches them alike."""
    return [condition for _ in range(repeats) for condition in conditions]


class CpuWatch:
    """How much of the machine's CPU other programs took between ``start`` and ``stop``: the whole machine's
    busy time minus this process's own, over wall time x cores."""

    def __init__(self) -> None:
        self._process = psutil.Process(os.getpid())
        self._started: tuple[float, float, float] | None = None
        self.share: float | None = None

    @staticmethod
    def _busy(times: Any) -> float:
        return times.user + times.system + getattr(times, "nice", 0.0) + getattr(times, "irq", 0.0) + getattr(
            times, "softirq", 0.0) + getattr(times, "steal", 0.0)  # fmt: skip

    def _now(self) -> tuple[float, float, float]:
        own = self._process.cpu_times()
        return time.monotonic(), self._busy(psutil.cpu_times()), own.user + own.system

    def __enter__(self) -> CpuWatch:
        self._started = self._now()
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._started is not None
        wall, machine, own = (end - start for end, start in zip(self._now(), self._started, strict=True))
        capacity = wall * (psutil.cpu_count() or 1)
        self.share = min(max((machine - own) / capacity, 0.0), 1.0) if capacity > 0 else None


def effect_sentence(effect: Effect, change: str, figure: str, verb: str = "took") -> str:
    """One sentence stating what was measured, never more: e.g. ``Doubling the output took 1.97x as long
    (95% interval 1.90-2.03x, 3 and 3 runs).`` ``change`` names the change ("Doubling the output"),
    ``figure`` the measured quantity as in "took 1.97x as ``long``" (``verb``: "took", "served" ...)."""
    if effect.busy:
        return (f"Inconclusive: other programs took {effect.busy_share:.0%} of the CPU while this ran "
                f"({effect.figures()}).")  # fmt: skip
    if effect.direction == 0:
        return f"Inconclusive: {change[0].lower() + change[1:]} made no clear difference ({effect.figures()})."
    return f"{change} {verb} {effect.ratio:.2f}x as {figure} ({effect.interval()})."


def share_interval(hits: Sequence[bool], resamples: int = RESAMPLES, seed: int = 0) -> tuple[float, float, float]:
    """The share of true values and its bootstrap 95% interval; ValueError without values."""
    values = np.asarray(hits, dtype=float)
    if values.size == 0:
        raise ValueError("a share needs at least one value")
    means = np.random.default_rng(seed).choice(values, size=(resamples, values.size)).mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(values.mean()), float(low), float(high)
