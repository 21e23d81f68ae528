"""Metric definitions on hand-made timestamps."""

from __future__ import annotations

import pytest

from inference_core.metrics import percentile, summarize, timing_metrics


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
