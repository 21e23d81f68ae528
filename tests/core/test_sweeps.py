"""Sweeps on the real SmolLM2: rows, growth with output length, summaries, charts."""

from __future__ import annotations

import pandas as pd
import pytest

from inference_core.charts import experiment_charts
from inference_core.pricing import default_pricer
from inference_core.sweeps import (
    Sweep,
    SweepError,
    fit_line,
    fit_output_length,
    noisy_points,
    plan_sweep,
    summarize_rows,
)
from inference_core.types import Settings


@pytest.fixture(scope="module")
def output_rows(context) -> pd.DataFrame:
    plan = plan_sweep("output-length", ["smollm2-135m-instruct"], lengths=[4, 24], repeats=1)
    progress = []
    rows = Sweep(plan, context, finalize=default_pricer()).run(progress.append)
    assert [p.done for p in progress] == [0, 1, 2]
    assert progress[-1].current == "done"
    return pd.DataFrame(rows)


def test_output_length_sweep_rows_grow_with_output_length(output_rows):
    assert list(output_rows["value"]) == [4, 24]
    assert list(output_rows["tokens_out"]) == [4, 24]  # pinned with min_new_tokens
    assert output_rows["ok"].all()
    assert output_rows["e2e_s"].iloc[1] > output_rows["e2e_s"].iloc[0]
    assert output_rows["kv_cache_mb"].iloc[1] > output_rows["kv_cache_mb"].iloc[0]
    assert {"experiment", "variable", "value", "repeat", "ttft_s", "decode_tok_per_s", "usd_answer"} <= set(
        output_rows.columns
    )


def test_output_length_fit_recovers_ttft_and_tpot(output_rows):
    [fit] = fit_output_length(output_rows)
    assert fit.tpot_s > 0
    row = output_rows.iloc[1]
    assert fit.ttft_s + 23 * fit.tpot_s == pytest.approx(row["e2e_s"], rel=1e-6)


def test_output_length_charts_contain_the_expected_fields(output_rows):
    charts = experiment_charts("output-length", output_rows)
    assert set(charts) == {"e2e_s", "peak_rss_mb", "kv_cache_mb", "decode_tok_per_s"}
    spec = charts["e2e_s"].to_dict()
    text = str(spec)
    assert "tokens_out" in text and "e2e_s" in text and "e2e_s_low" in text and "tooltip" in text
    assert "strokeDash" in text  # the fitted line
    assert "End-to-end time (s)" in text


def test_input_length_sweep_reports_measured_tokens_in(context):
    plan = plan_sweep("input-length", ["smollm2-135m-instruct"], base=Settings(max_new_tokens=2), lengths=[32, 256],
                      repeats=1)  # fmt: skip
    rows = pd.DataFrame(Sweep(plan, context).run())
    assert rows["tokens_in"].iloc[1] > 3 * rows["tokens_in"].iloc[0]
    assert rows["ttft_s"].iloc[1] > rows["ttft_s"].iloc[0]
    assert "ttft_s" in str(experiment_charts("input-length", rows)["ttft_s"].to_dict())


def test_model_size_and_settings_charts(context):
    size = pd.DataFrame(Sweep(plan_sweep("model-size", ["smollm2-135m-instruct", "gemma3-270m"],
                                         base=Settings(max_new_tokens=3), repeats=1), context).run())  # fmt: skip
    assert sorted(size["params_m"]) == [134.5, 268.1]
    spec = experiment_charts("model-size", size)["weights_mb"].to_dict()
    assert "log" in str(spec) and "params_m" in str(spec)
    settings = pd.DataFrame(Sweep(plan_sweep("settings", ["smollm2-135m-instruct"], base=Settings(max_new_tokens=3),
                                             repeats=1), context).run())  # fmt: skip
    assert list(settings["quantize"]) == ["none", "none", "int8"]
    assert settings["weights_mb"].iloc[2] < settings["weights_mb"].iloc[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("output-length", []), "at least one model"),
        (("output-length", ["smollm2-135m-instruct"], {"repeats": 0}), "repeats must be between 1 and"),
        (("output-length", ["smollm2-135m-instruct"], {"lengths": [9000]}), "above the context"),
        (("settings", ["smollm2-135m-instruct", "gemma3-270m"]), "exactly one"),
        (("speed", ["smollm2-135m-instruct"]), "experiment must be one of"),
        (("model-size", ["qwen2.5-3b-instruct"]), "not available"),
    ],
)
def test_bad_sweeps_are_refused_with_a_message(args, message):
    experiment, refs, *rest = args
    with pytest.raises(SweepError, match=message):
        plan_sweep(experiment, refs, **(rest[0] if rest else {}))


def test_input_lengths_above_the_context_are_skipped_with_a_note():
    plan = plan_sweep("input-length", ["smollm2-135m-instruct"], lengths=[64, 9000], repeats=1)
    assert [p.value for p in plan.points] == [64]
    assert "9000 input tokens skipped" in plan.notes[0]


def test_summaries_flag_noisy_points():
    rows = pd.DataFrame(
        {"ok": True, "model_name": "m", "setting": "s", "value": 1, "params_m": 1.0,
         "e2e_s": [1.0, 1.0, 2.0], "decode_tok_per_s": [10.0, 10.1, 9.9], "ttft_s": [0.1, 0.1, 0.1]}
    )  # fmt: skip
    summary = summarize_rows(rows)
    assert summary["e2e_s"].iloc[0] == 1.0 and summary["e2e_s_high"].iloc[0] == 2.0
    assert summary["e2e_s_ci_low"].iloc[0] <= 1.0 <= summary["e2e_s_ci_high"].iloc[0]
    [warning] = noisy_points(summary)
    assert "e2e_s" in warning


def test_fit_line_needs_two_distinct_x():
    assert fit_line([1, 2, 3], [3, 5, 7]) == pytest.approx((1.0, 2.0))
    assert fit_line([1, 1], [2, 3]) is None


def test_stop_keeps_finished_rows(context):
    plan = plan_sweep("output-length", ["smollm2-135m-instruct"], lengths=[2, 3, 4], repeats=2)
    sweep = Sweep(plan, context)

    def stop_after_two(progress):
        if progress.done == 2:
            sweep.stop()

    rows = sweep.run(stop_after_two)
    assert len(rows) == 2 and all(r["ok"] for r in rows)


def test_estimate_chart_stacks_the_parts_and_shows_the_limit():
    from inference_core.charts import estimate_chart

    row = {"model": "M (GGUF)", "weights": "float32", "weights_mb": 500.0, "kv_cache_mb": 50.0, "overhead_mb": 100.0}
    frame = pd.DataFrame([{**row, "total_mb": 650.0, "available_mb": 1000.0, "verdict": "fits"}])
    spec = str(estimate_chart(frame).to_dict())
    assert "weights" in spec and "KV cache" in spec and "70% of free memory (700 MB)" in spec


def test_traffic_sweep_shows_requests_queueing_for_one_model(context):
    plan = plan_sweep("traffic", ["smollm2-135m-instruct"], base=Settings(max_new_tokens=4), lengths=[1, 3], repeats=1)
    rows = pd.DataFrame(Sweep(plan, context).run())
    assert list(rows["value"]) == [1, 3, 3, 3]
    batch = rows[rows["value"] == 3]
    # One model object generates one request at a time: the last waits for the two before it.
    assert batch["ttft_s"].max() > batch["ttft_s"].min() + batch["e2e_s"].min() * 0.9
    assert batch["aggregate_tok_per_s"].nunique() == 1
    charts = experiment_charts("traffic", rows)
    assert set(charts) == {"ttft_s", "e2e_s", "decode_tok_per_s", "aggregate_tok_per_s"}
    assert "Concurrent requests" in str(charts["ttft_s"].to_dict())


def test_traffic_levels_are_bounded():
    with pytest.raises(SweepError, match="between 1 and 8"):
        plan_sweep("traffic", ["smollm2-135m-instruct"], lengths=[0, 2])
    with pytest.raises(SweepError, match="between 1 and 8"):
        plan_sweep("traffic", ["smollm2-135m-instruct"], lengths=[64])


def test_typed_lengths_must_be_whole_numbers():
    from inference_core.sweeps import parse_lengths

    assert parse_lengths(["16", 64, " 128 ", ""]) == [16, 64, 128]
    with pytest.raises(SweepError, match="whole numbers, got 'many'"):
        parse_lengths(["16", "many"])
