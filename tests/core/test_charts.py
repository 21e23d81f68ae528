"""Charts: built from tidy data, with the fields and layers each experiment needs."""

from __future__ import annotations

import pandas as pd

from inference_core.charts import experiment_charts
from inference_core.experiments.job import Sweep
from inference_core.experiments.plans import plan_sweep
from inference_core.types import Settings


def test_output_length_charts_contain_the_expected_fields(output_rows):
    charts = experiment_charts("output-length", output_rows)
    assert set(charts) == {"e2e_s", "model_memory_mb", "kv_cache_mb", "decode_tok_per_s"}
    spec = charts["e2e_s"].to_dict()
    text = str(spec)
    assert "tokens_out" in text and "e2e_s" in text and "e2e_s_low" in text and "tooltip" in text
    assert "strokeDash" in text  # the fitted line
    assert "End-to-end time (s)" in text


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
    from inference_core.charts import estimate_chart

    row = {"model": "M (GGUF)", "weights": "float32", "weights_mb": 500.0, "kv_cache_mb": 50.0, "overhead_mb": 100.0}
    frame = pd.DataFrame([{**row, "total_mb": 650.0, "available_mb": 1000.0, "verdict": "fits"}])
    spec = str(estimate_chart(frame).to_dict())
    assert "weights" in spec and "KV cache" in spec and "70% of free memory here (700 MB)" in spec
    assert "a Community Cloud app (2,700 MB)" in spec
