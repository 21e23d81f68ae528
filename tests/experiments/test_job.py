"""The sweep job on the real SmolLM2: warm-up, repeats, rows that grow with output length, stop, traffic."""

from __future__ import annotations

import pandas as pd
import pytest

from inference_core.charts.figures import experiment_charts
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


@pytest.mark.slow
def test_traffic_sweep_one_row_per_request_and_a_summary_per_level(context):
    from inference_core.experiments.plans import TrafficOptions
    from inference_core.price.pricing import default_pricer

    plan = plan_sweep("traffic", ["smollm2-135m-instruct"], base=Settings(max_new_tokens=4), lengths=[1, 3],
                      traffic=TrafficOptions(requests=3))  # fmt: skip
    progress = []
    sweep = Sweep(plan, context, finalize=default_pricer())
    rows = pd.DataFrame(sweep.run(progress.append))
    assert list(rows["value"]) == [1, 1, 1, 3, 3, 3]  # rows come as requests finish
    assert sorted(rows[rows["value"] == 3]["request"]) == [0, 1, 2]
    assert progress[-1].done == progress[-1].total == 6
    one, three = sweep.levels
    assert one["completed"] == three["completed"] == 3 and one["concurrency"] == 1
    # One model object answers one request at a time: at 3 in flight, the later requests wait for the first.
    assert three["ttft_p99_s"] > three["ttft_p50_s"] > one["ttft_p99_s"]
    assert three["usd_per_1m_out"] > 0 and three["output_tok_per_s"] > 0
    for column in ("concurrency", "requests", "failures", "ttft_p50_s", "ttft_p99_s", "tpot_p50_s", "itl_p50_s",
                   "e2e_p50_s", "request_per_s", "output_tok_per_s", "goodput_rps"):  # fmt: skip
        assert column in one, column
    charts = experiment_charts("traffic", rows)
    assert set(charts) == {"tpot_throughput", "ttft_throughput", "goodput", "ttft_load", "usd_per_1m_out"}
    assert "Requests in flight" in str(charts["goodput"].to_dict())
