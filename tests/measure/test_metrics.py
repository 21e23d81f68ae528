"""Metric definitions and statistics over repeats, on hand-made timestamps and rows."""

from __future__ import annotations

import pandas as pd
import pytest

from inference_core.measure.metrics import (
    fit_line,
    fit_output_length,
    noisy_points,
    percentile,
    summarize,
    summarize_rows,
    timing_metrics,
)


def test_metrics_follow_the_vllm_definitions():
    m = timing_metrics([0.5, 0.6, 0.8, 1.1], tokens_in=100)
    assert m.ttft_s == 0.5 and m.e2e_s == 1.1
    assert m.itl_s == pytest.approx((0.1, 0.2, 0.3))
    assert m.tpot_s == pytest.approx(0.2)
    assert m.decode_tok_per_s == pytest.approx(3 / 0.6)
    assert m.prefill_tok_per_s == pytest.approx(200)
    assert m.itl_p50_s == pytest.approx(0.2)


def test_one_token_has_no_decode_rate_and_no_tokens_has_nothing():
    one = timing_metrics([0.3], tokens_in=10)
    assert one.ttft_s == one.e2e_s == 0.3 and one.tpot_s is None and one.decode_tok_per_s is None
    assert timing_metrics([], tokens_in=10).ttft_s is None


def test_percentile_interpolates():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([5], 95) == 5
    assert percentile([], 50) is None


def test_summary_reports_median_spread_and_noise():
    steady = summarize([10.0, 10.1, 9.9])
    assert steady.median == 10.0 and steady.low == 9.9 and steady.high == 10.1
    assert steady.ci_low <= steady.median <= steady.ci_high
    assert not steady.noisy
    assert summarize([1.0, 2.0, 4.0]).noisy
    assert summarize([]) is None


def test_output_length_fit_recovers_ttft_and_tpot(output_rows):
    [fit] = fit_output_length(output_rows)
    assert fit.tpot_s > 0
    row = output_rows.iloc[1]
    assert fit.ttft_s + 23 * fit.tpot_s == pytest.approx(row["e2e_s"], rel=1e-6)


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


def test_an_output_fit_states_its_intervals_and_never_a_negative_fixed_cost():
    lengths, jitter = [16, 32, 64] * 3, [0, 0.01, -0.01, 0.005, 0, 0.01, -0.005, 0.01, 0]
    steady = pd.DataFrame({"ok": True, "model_name": "m", "setting": "s", "tokens_out": lengths,
                           "e2e_s": [0.3 + 0.05 * (n - 1) + j for n, j in zip(lengths, jitter, strict=True)]})
    [fit] = fit_output_length(steady)
    assert fit.ttft_interval[0] < fit.ttft_s < fit.ttft_interval[1] and fit.tpot_interval[0] > 0
    assert fit.describe().startswith("e2e = 0.30 s (95% interval") and "ms per token (95% interval" in fit.describe()
    busy = steady.assign(e2e_s=[4.0, 2.0, 5.0, 6.0, 1.5, 4.5, 5.5, 2.5, 3.0])  # a noisy machine: no clear line
    [fit] = fit_output_length(busy)
    assert "not resolved by this data" in fit.describe()
