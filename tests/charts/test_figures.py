"""Charts: built from tidy data, with the fields and layers each experiment needs."""

from __future__ import annotations

import pandas as pd
import pytest

from inference_core.charts.figures import experiment_charts
from inference_core.experiments.job import Sweep
from inference_core.experiments.plans import plan_sweep
from inference_core.types import Settings


@pytest.mark.slow
def test_output_length_charts_contain_the_expected_fields(output_rows):
    from inference_core.price import cost, pricing

    charts = experiment_charts("output-length", output_rows, cost.api_frame(pricing.api_prices()))
    assert set(charts) == {"e2e_s", "model_memory_mb", "kv_cache_mb", "decode_tok_per_s", "usd_answer"}
    price = str(charts["usd_answer"].to_dict())
    assert "(API)" in price and "$ = (" in price and "'type': 'log'" in price  # API lines, the fitted $ line
    spec = charts["e2e_s"].to_dict()
    text = str(spec)
    assert "tokens_out" in text and "e2e_s" in text and "e2e_s_low" in text and "tooltip" in text
    assert "strokeDash" in text  # the fitted line
    assert "End-to-end time (s)" in text


@pytest.mark.slow
def test_model_size_and_settings_charts(context):
    refs = ["smollm2-135m-instruct", "gemma3-270m", "shape:smollm2-360m-instruct"]
    size = pd.DataFrame(Sweep(plan_sweep("model-size", refs, base=Settings(max_new_tokens=3), repeats=1),
                              context).run())  # fmt: skip
    assert sorted(size["params_m"]) == [134.5, 268.1, 361.8]
    assert list(size["weights"]) == ["trained", "trained", "random"]
    assert (size["roofline_tok_per_s"] > size["decode_tok_per_s"]).all()  # no model beats the bandwidth limit
    assert context.pool.loaded() == []  # each model was unloaded after its last point
    charts = experiment_charts("model-size", size)
    assert set(charts) == {"decode_tok_per_s", "ttft_s", "model_memory_mb"}  # no price without a machine price
    speed = str(charts["decode_tok_per_s"].to_dict())
    assert "log" in speed and "params_m" in speed and "roofline_tok_per_s" in speed and "GB/s" in speed
    assert "diamond" in speed and "shape only (random weights)" in speed
    settings = pd.DataFrame(Sweep(plan_sweep("settings", ["smollm2-135m-instruct"], base=Settings(max_new_tokens=3),
                                             repeats=1), context).run())  # fmt: skip
    assert list(settings["value"]) == ["dtype=float32", "dtype=bfloat16", "quantize=int8", "engine=llama.cpp"]
    assert list(settings["setting"].str.split(" · ").str[0]) == ["float32", "bfloat16", "int8", "Q4_1 (llama.cpp)"]
    assert settings["weights_mb"].iloc[3] < settings["weights_mb"].iloc[2] < settings["weights_mb"].iloc[0]
    assert "Q4_1 (llama.cpp)" in str(experiment_charts("settings", settings)["decode_tok_per_s"].to_dict())


def test_estimate_chart_stacks_the_parts_and_shows_the_limit():
    from inference_core.charts.figures import estimate_chart

    row = {"model": "M (GGUF)", "weights": "float32", "weights_mb": 500.0, "kv_cache_mb": 50.0, "overhead_mb": 100.0}
    frame = pd.DataFrame([{**row, "total_mb": 650.0, "available_mb": 1000.0, "verdict": "fits"}])
    spec = str(estimate_chart(frame).to_dict())
    assert "weights" in spec and "KV cache" in spec and "70% of free memory here (700 MB)" in spec
    assert "a Community Cloud app (2,700 MB)" in spec


def test_a_model_keeps_its_colour_on_every_chart():
    from inference_core.charts.figures import lane_bars, model_color, sweep_chart

    bars = pd.DataFrame({"lane": ["1. a", "2. b"], "model": ["gemma3-270m", "smollm2-135m-instruct"],
                         "model_name": ["Gemma 3 270M base", "SmolLM2 135M Instruct (Q4_1 GGUF)"],
                         "ttft_s": [0.2, 0.1]})  # fmt: skip
    summary = pd.DataFrame({"model_name": ["SmolLM2 135M Instruct (Q4_1 GGUF)", "Qwen2.5 0.5B Instruct (shape only)"],
                            "setting": ["float32", "float32"], "value": [1, 2], "params_m": [134.5, 494.0],
                            "runs": [1, 1], "ttft_s": [0.1, 0.3], "ttft_s_low": [0.1, 0.3],
                            "ttft_s_high": [0.1, 0.3], "weights": ["trained", "random"]})  # fmt: skip
    smol = model_color("SmolLM2 135M Instruct")
    assert smol != model_color("Gemma 3 270M base") != model_color("Qwen2.5 0.5B Instruct")
    for chart in (lane_bars(bars, "ttft_s"), sweep_chart(summary, "params_m", "ttft_s", log_x=True)):
        spec = str(chart.to_dict())
        assert "'SmolLM2 135M Instruct'" in spec and smol in spec
    assert model_color("some-model-of-mine") == model_color("some-model-of-mine")  # stable for any name
