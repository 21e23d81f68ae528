"""Each chapter's chart draws its points: every run a mark, the medians marked, estimates told apart."""

from __future__ import annotations

import vl_convert

from inference_core.charts.tour_charts import chapter_chart

RATIO = {"kind": "ratio", "key": "input", "metric": "ttft_s", "conditions": ["60 words", "240 words"],
         "points": [{"condition": "60 words", "value": 0.3}, {"condition": "240 words", "value": 0.7}]}  # fmt: skip


def marks(spec: dict) -> list[str]:
    layers = spec.get("layer") or [layer for part in spec.get("vconcat", []) for layer in part.get("layer", [part])]
    return [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in layers]


def test_a_ratio_chart_shows_every_run_and_the_medians():
    assert marks(chapter_chart(RATIO)) == ["circle", "tick"]
    assert chapter_chart({**RATIO, "points": []}) == {}


def test_the_size_chart_adds_memory_with_estimates_hollow():
    points = RATIO["points"] + [
        {"model": "SmolLM2 135M", "params_m": 134.5, "weights_mb": 513.0, "estimated": False},
        {"model": "Qwen2.5 7B", "params_m": 7615.6, "weights_mb": 29051.0, "estimated": True},
    ]
    spec = chapter_chart({**RATIO, "key": "size", "metric": "e2e_s", "points": points})
    assert marks(spec) == ["circle", "tick", "point", "text"]
    assert "(estimated)" in vl_convert.vegalite_to_svg(spec)


def test_token_samples_and_graded_charts_draw():
    tokens = [{"run": "run 1", "token": i, "time_s": 0.5 + i / 10, "ttft_s": 0.6} for i in range(1, 4)]
    spec = chapter_chart({"kind": "tokens", "metric": "ttft_s", "points": tokens})
    assert marks(spec) == ["line", "rect", "text"] and "<svg" in vl_convert.vegalite_to_svg(spec)
    samples = [{"answer": "greedy · seed 1", "condition": "greedy", "same_tokens": 5, "tokens": 5, "text": "Tom"}]
    spec = chapter_chart({"kind": "samples", "metric": "", "points": samples})
    assert marks(spec) == ["bar", "bar"] and "<svg" in vl_convert.vegalite_to_svg(spec)
    graded = [{"question": "Q1", "prompt": "?", "answer": "10", "expected": "3", "correct": False, "confidence": 0.7}]
    spec = chapter_chart({"kind": "graded", "metric": "", "points": graded})
    assert marks(spec) == ["bar", "text"] and "wrong" in str(spec["layer"][0]["encoding"]["color"])
    assert "<svg" in vl_convert.vegalite_to_svg(spec)  # Vega-Lite compiles and draws it
