"""The tour's chapters: each sentence is computed from its runs alone, and never says more than they show."""

from __future__ import annotations

from inference_core.experiments.tour import chapter_sentence, chapters


def runs(chapter, baseline: list[float], changed: list[float]) -> list[dict]:
    rows = [(chapter.baseline.label, value) for value in baseline] + [(chapter.changed.label, v) for v in changed]
    return [
        {"condition": label, "ok": True, chapter.metric: value, "usd_answer": value / 1000} for label, value in rows
    ]


def test_the_chapters_follow_the_explainer_and_stay_within_the_operators_tokens():
    assert [chapter.key for chapter in chapters()] == ["input", "output", "size"]
    output = chapters(most_tokens=16)[1]
    assert (output.baseline.settings.max_new_tokens, output.changed.settings.max_new_tokens) == (8, 16)
    assert "output" in output.claim.lower() and output.metric == "e2e_s"


def test_a_sentence_is_the_measured_effect_with_its_interval_and_cost():
    output = chapters()[1]
    effect, sentence = chapter_sentence(output, runs(output, [1.0, 1.1, 0.9], [2.0, 2.1, 1.9]), busy_share=0.05)
    assert sentence.startswith("Doubling the output from 32 to 64 tokens took 2.00x as long (95% interval")
    assert "The answer cost 2.00x as much" in sentence and effect.conclusive


def test_a_bigger_model_states_its_weights_memory_beside_its_time():
    size = chapters()[2]
    rows = [{**row, "weights_mb": 513.0 if row["condition"] == size.baseline.label else 1024.0}
            for row in runs(size, [1.0, 1.1, 0.9], [1.6, 1.7, 1.5])]  # fmt: skip
    _, sentence = chapter_sentence(size, rows, busy_share=0.0)
    assert sentence.startswith("Gemma 3 270M instead of SmolLM2 135M took 1.60x as long (95% interval")
    assert sentence.endswith("Its weights take 2.00x the memory (1,024 MB against 513 MB).")


def test_without_a_clear_effect_the_sentence_says_inconclusive_and_states_no_cost():
    output = chapters()[1]
    _, sentence = chapter_sentence(output, runs(output, [1.0, 1.1, 0.9], [1.05, 0.95, 1.0]), busy_share=None)
    assert sentence.startswith("Inconclusive: doubling the output") and "cost" not in sentence
