"""The sweep job on the real SmolLM2: warm-up, repeats, rows that grow with output length, stop, traffic."""

from __future__ import annotations

import pandas as pd

from inference_core.charts import experiment_charts
from inference_core.experiments.job import Sweep
from inference_core.experiments.plans import plan_sweep
from inference_core.types import Settings


def test_output_length_sweep_rows_grow_with_output_length(output_rows):
    assert list(output_rows["value"]) == [4, 24]
    assert list(output_rows["tokens_out"]) == [4, 24]  # pinned with min_new_tokens
    assert output_rows["ok"].all()
    assert output_rows["e2e_s"].iloc[1] > output_rows["e2e_s"].iloc[0]
    assert output_rows["kv_cache_mb"].iloc[1] > output_rows["kv_cache_mb"].iloc[0]
    assert {"experiment", "variable", "value", "repeat", "ttft_s", "decode_tok_per_s", "usd_answer"} <= set(
        output_rows.columns
    )


def test_input_length_sweep_reports_measured_tokens_in(context):
    plan = plan_sweep("input-length", ["smollm2-135m-instruct"], base=Settings(max_new_tokens=2), lengths=[32, 256],
                      repeats=1)  # fmt: skip
    rows = pd.DataFrame(Sweep(plan, context).run())
    assert rows["tokens_in"].iloc[1] > 3 * rows["tokens_in"].iloc[0]
    assert rows["ttft_s"].iloc[1] > rows["ttft_s"].iloc[0]
    assert "ttft_s" in str(experiment_charts("input-length", rows)["ttft_s"].to_dict())


def test_stop_keeps_finished_rows(context):
    plan = plan_sweep("output-length", ["smollm2-135m-instruct"], lengths=[2, 3, 4], repeats=2)
    sweep = Sweep(plan, context)

    def stop_after_two(progress):
        if progress.done == 2:
            sweep.stop()

    rows = sweep.run(stop_after_two)
    assert len(rows) == 2 and all(r["ok"] for r in rows)


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
