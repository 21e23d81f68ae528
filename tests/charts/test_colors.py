"""One colour per model: fixed for the catalog, stable for any other name."""

from __future__ import annotations

from inference_core.charts.colors import COLORS, MODEL_ORDER, model_color, model_scale


def test_catalog_models_take_the_palette_in_order_and_others_a_stable_colour():
    assert [model_color(name) for name in MODEL_ORDER] == list(COLORS[: len(MODEL_ORDER)])
    assert model_color("someone/else") == model_color("someone/else") in COLORS
    scale = model_scale(["Gemma 3 270M base", "SmolLM2 135M Instruct"]).to_dict()
    assert scale["range"] == [COLORS[1], COLORS[0]]
