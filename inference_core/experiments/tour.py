"""The explainer's claims as small measured experiments: each chapter runs two conditions of one model,
interleaved and repeated, and states the effect it measured in one sentence computed from those runs (or says
it is inconclusive), never a canned one.

Chapters so far: longer input (time to the first token), longer output (time and cost of the answer) and a
bigger model (time and the memory its weights take).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from inference_core.measure import CpuWatch, Effect, effect_sentence, interleaved, ratio_of_medians
from inference_core.models import document_prompt
from inference_core.runs import Lane
from inference_core.types import RunResult, Settings

MODEL = "smollm2-135m-instruct"
BIGGER = "gemma3-270m"
Compare = Callable[[str, list[Lane]], list[RunResult]]
"""Runs one prompt on lanes and returns their results: the Engine's ``compare`` (admitted and priced)."""


@dataclass(frozen=True)
class Condition:
    label: str
    prompt: str
    settings: Settings
    model: str = MODEL


@dataclass(frozen=True)
class Chapter:
    """One claim of the explainer and the two conditions that test it."""

    key: str
    claim: str
    change: str
    """What changes from the baseline to the changed condition, to start the sentence."""
    metric: str
    """The RunResult figure compared."""
    figure: str
    """How the sentence reads the ratio: "took 2.0x as <figure>"."""
    baseline: Condition
    changed: Condition
    cost: bool = False
    """Also state the ratio of the price of the answer."""
    memory: bool = False
    """Also state how much more memory the changed condition's weights take."""


@dataclass
class ChapterResult:
    chapter: Chapter
    effect: Effect
    sentence: str
    runs: list[dict[str, Any]] = field(default_factory=list)

    def data(self) -> dict[str, Any]:
        """The chapter as a report embeds it: the claim, the sentence, every measured run and the CPU share
        other programs took (with these, ``chapter_sentence`` gives the sentence again)."""
        return {"key": self.chapter.key, "claim": self.chapter.claim, "sentence": self.sentence,
                "metric": self.chapter.metric, "baseline": self.chapter.baseline.label,
                "changed": self.chapter.changed.label, "busy_share": self.effect.busy_share,
                "runs": self.runs}  # fmt: skip


def pinned(tokens: int) -> Settings:
    """Greedy, exactly ``tokens`` output tokens: the conditions differ only where the chapter says."""
    return Settings(max_new_tokens=tokens, min_new_tokens=tokens)


def chapters(quick: bool = False, most_tokens: int = 64) -> list[Chapter]:
    """The explainer's claims, in its order; no length past ``most_tokens`` (the operator's limit)."""
    long = min(32 if quick else 64, most_tokens)
    short = max(1, long // 2)
    words = (60, 240) if quick else (60, 360)
    return [
        Chapter(
            key="input", claim="Longer input is slower: the model reads every input token before it writes one.",
            change=f"A document of {words[1]} words instead of {words[0]}", metric="ttft_s",
            figure="long to the first token",
            baseline=Condition(f"{words[0]} words", document_prompt(words[0]), pinned(4)),
            changed=Condition(f"{words[1]} words", document_prompt(words[1]), pinned(4)),
        ),
        Chapter(
            key="output", claim="Longer output is slower and dearer: every output token is one more step.",
            change=f"Doubling the output from {short} to {long} tokens", metric="e2e_s", figure="long",
            baseline=Condition(f"{short} tokens", "Write a short story about a lighthouse.", pinned(short)),
            changed=Condition(f"{long} tokens", "Write a short story about a lighthouse.", pinned(long)), cost=True,
        ),
        Chapter(
            key="size", claim="Bigger models are slower and need more memory: every token passes through every weight.",
            change="Gemma 3 270M instead of SmolLM2 135M", metric="e2e_s", figure="long", memory=True,
            baseline=Condition("SmolLM2 135M", "Write a short story about a lighthouse.", pinned(short)),
            changed=Condition("Gemma 3 270M", "Write a short story about a lighthouse.", pinned(short), BIGGER),
        ),
    ]  # fmt: skip


def _values(runs: Sequence[dict[str, Any]], label: str, metric: str) -> list[float]:
    return [run[metric] for run in runs if run["condition"] == label and run["ok"] and run.get(metric) is not None]


def chapter_sentence(chapter: Chapter, runs: Sequence[dict[str, Any]], busy_share: float | None) -> tuple[Effect, str]:
    """The effect and its sentence, from the runs alone (a report's data recomputes them)."""
    baseline, changed = chapter.baseline.label, chapter.changed.label
    effect = ratio_of_medians(_values(runs, baseline, chapter.metric), _values(runs, changed, chapter.metric),
                              busy_share)  # fmt: skip
    sentence = effect_sentence(effect, chapter.change, chapter.figure)
    prices = _values(runs, baseline, "usd_answer"), _values(runs, changed, "usd_answer")
    if chapter.cost and effect.conclusive and all(prices):  # an unpriced run states no cost
        price = ratio_of_medians(*prices)
        sentence += f" The answer cost {price.ratio:.2f}x as much ({price.interval()})."
    weights = _values(runs, baseline, "weights_mb"), _values(runs, changed, "weights_mb")
    if chapter.memory and all(weights):  # the same every run: a plain ratio, no interval
        small, big = weights[0][0], weights[1][0]
        sentence += f" Its weights take {big / small:.2f}x the memory ({big:,.0f} MB against {small:,.0f} MB)."
    return effect, sentence


def run_chapter(chapter: Chapter, compare: Compare, repeats: int) -> ChapterResult:
    """The chapter's two conditions, interleaved ``repeats`` times each, while watching the CPU."""
    runs: list[dict[str, Any]] = []
    with CpuWatch() as watch:
        for condition in interleaved([chapter.baseline, chapter.changed], repeats):
            [result] = compare(condition.prompt, [Lane(condition.model, condition.settings)])
            runs.append({"condition": condition.label, **result.model_dump(mode="json"), "decoder": result.decoder})
    effect, sentence = chapter_sentence(chapter, runs, watch.share)
    return ChapterResult(chapter, effect, sentence, runs)
