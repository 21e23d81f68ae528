"""Effects: a ratio of medians with its bootstrap interval, and a sentence that never says more than that."""

from __future__ import annotations

import subprocess
import sys

import pytest

from inference_core.measure.effect import CpuWatch, effect_sentence, interleaved, ratio_of_medians

SHORT = [1.00, 1.05, 0.95, 1.02, 0.98]


def test_a_clear_effect_is_stated_with_its_figures():
    longer = [2 * value for value in SHORT]
    effect = ratio_of_medians(SHORT, longer)
    assert effect.ratio == pytest.approx(2.0) and effect.low > 1.5 and effect.direction == 1 and effect.conclusive
    assert effect_sentence(effect, "Doubling the output", "long").startswith(
        f"Doubling the output took 2.00x as long (95% interval {effect.low:.2f}-{effect.high:.2f}x, 5 and 5 runs)"
    )


def test_no_clear_difference_is_inconclusive_and_never_claims_a_direction():
    same = [1.01, 0.97, 1.04, 0.99, 1.00]
    effect = ratio_of_medians(SHORT, same)
    assert effect.low <= 1 <= effect.high and effect.direction == 0 and not effect.conclusive
    sentence = effect_sentence(effect, "Doubling the input", "long")
    assert sentence.startswith("Inconclusive: doubling the input made no clear difference (") and "took" not in sentence


def test_a_busy_machine_makes_any_effect_inconclusive_and_says_how_busy():
    effect = ratio_of_medians(SHORT, [3 * value for value in SHORT], busy_share=0.6)
    assert effect.direction == 1 and not effect.conclusive
    assert effect_sentence(effect, "Tripling the output", "long").startswith(
        "Inconclusive: other programs took 60% of the CPU while this ran (3.00x"
    )


def test_conditions_run_in_turn_and_an_effect_needs_both():
    assert interleaved(["short", "long"], 3) == ["short", "long"] * 3
    for bad in (([], [1.0]), ([0.0], [1.0]), ([1.0], [float("nan")])):
        with pytest.raises(ValueError):
            ratio_of_medians(*bad)


def test_the_cpu_watch_sees_another_program_burning_a_core():
    burner = subprocess.Popen(
        [sys.executable, "-c", "import time\nend = time.time() + 1.5\nwhile time.time() < end: pass"]
    )
    with CpuWatch() as watch:
        burner.wait(timeout=30)
    assert watch.share is not None and watch.share > 0.2  # one busy core of two is half the machine
