"""Prices against hand-computed values; the shipped price tables validate."""

from __future__ import annotations

import math

import pytest

from inference_core.price import pricing
from inference_core.price.pricing import ApiPrice, PriceError, Traffic
from inference_core.types import RunResult, Settings


def test_self_hosted_price_per_million_tokens():
    # $3.60/h at 100 tok/s: 360,000 tokens an hour -> $10 per 1M tokens.
    assert pricing.usd_per_1m_tokens(100, 3.6) == pytest.approx(10.0)
    # At 50% utilization every useful token costs twice as much.
    assert pricing.usd_per_1m_tokens(100, 3.6, utilization=0.5) == pytest.approx(20.0)
    assert pricing.usd_per_1m_tokens(None, 3.6) is None
    assert pricing.usd_per_1m_tokens(0, 3.6) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"hourly_usd": -1}, "finite number from 0 to 1,000,000"),
        ({"hourly_usd": 0}, "above zero"),
        ({"hourly_usd": "cheap"}, "must be a number"),
        ({"hourly_usd": math.nan}, "must be a number"),
        ({"utilization": 0}, "utilization"),
        ({"utilization": 1.5}, "utilization"),
    ],
)
def test_bad_price_inputs_are_refused(kwargs, message):
    args = {"tok_per_s": 10.0, "hourly_usd": 1.0, **kwargs}
    with pytest.raises(PriceError, match=message):
        pricing.usd_per_1m_tokens(**args)


def test_answer_price_and_priced_result():
    assert pricing.answer_usd(1000, 500, 2.0, 10.0) == pytest.approx(0.002 + 0.005)
    # TTFT 0.2 s (200 tokens at 1000 tok/s), then 99 more tokens at 20 tok/s: e2e 5.15 s.
    result = RunResult(
        model="m", model_name="m", settings=Settings(), ok=True, tokens_in=200, tokens_out=100,
        prefill_tok_per_s=1000.0, decode_tok_per_s=20.0, ttft_s=0.2, e2e_s=5.15,
    )  # fmt: skip
    priced = pricing.price_result(result, hourly_usd=0.72, utilization=0.5)
    assert priced.usd_per_1m_in == pytest.approx(0.4)  # 0.72 / 3.6e6 * 1e6 / 0.5
    assert priced.usd_per_1m_out == pytest.approx(20.0)  # 0.72 / 72000 * 1e6 / 0.5
    assert priced.usd_answer == pytest.approx(5.15 * 0.72 / 3600 / 0.5)  # the machine time the answer took
    # the old sum counted the first token in both prefill and decode: 200 * 0.4e-6 + 100 * 20e-6
    assert priced.usd_answer < 200 * 0.4e-6 + 100 * 20e-6
    assert priced.hourly_usd == 0.72 and priced.utilization_pct == 50


def test_monthly_api_cost_and_self_hosted_machines():
    traffic = Traffic(users=100, requests_per_user_per_day=10, tokens_in=500, tokens_out=200)
    assert traffic.requests_per_month == 30_000
    api = ApiPrice("x", "p", usd_per_1m_in=1.0, usd_per_1m_out=5.0, source="s", date="d")
    assert pricing.api_monthly_usd(traffic, api) == pytest.approx(30_000 * (500e-6 + 1000e-6))
    # 500/1000 + 200/20 = 10.5 s a request -> 87.5 busy hours: one machine.
    month = pricing.self_hosted_monthly(traffic, 1.0, prefill_tok_per_s=1000, decode_tok_per_s=20)
    assert month.machines == 1 and month.usd == pytest.approx(730.0)
    assert month.busy_share == pytest.approx(87.5 / 730)
    busy = Traffic(users=1000, requests_per_user_per_day=10, tokens_in=500, tokens_out=200)
    assert pricing.self_hosted_monthly(busy, 1.0, 1000, 20, utilization=0.5).machines == 3  # 875 h / 365 h


def test_break_even_point_and_never():
    traffic = Traffic(users=1, requests_per_user_per_day=1, tokens_in=500, tokens_out=200)
    pricey = ApiPrice("big", "p", 10.0, 40.0, "s", "d")  # $0.013 a request
    fast = pricing.break_even(traffic, pricey, hourly_usd=1.0, prefill_tok_per_s=5000, decode_tok_per_s=500)
    assert fast.requests_per_month == pytest.approx(730 / 0.013)
    cheap = ApiPrice("small", "p", 0.1, 0.4, "s", "d")
    slow = pricing.break_even(traffic, cheap, hourly_usd=1.0, prefill_tok_per_s=300, decode_tok_per_s=20)
    assert slow.requests_per_month is None and slow.reason.startswith("never")


def test_zero_throughput_never_divides_by_zero():
    traffic = Traffic(users=1, requests_per_user_per_day=1, tokens_in=10, tokens_out=10)
    with pytest.raises(PriceError, match="throughput"):
        pricing.self_hosted_monthly(traffic, 1.0, 0, 10)


def test_shipped_price_tables_validate():
    rates = pricing.hardware_rates()
    prices = pricing.api_prices()
    assert rates and prices
    assert all(r.source.startswith("http") and r.date and r.usd_per_hour > 0 for r in rates)
    assert all(p.source.startswith("http") and p.date and p.usd_per_1m_out >= p.usd_per_1m_in >= 0 for p in prices)
    assert pricing.default_hourly_usd() > 0
    assert {r.kind for r in rates} == {"cpu", "gpu"}


def test_edited_rows_with_bad_values_name_the_row():
    with pytest.raises(PriceError, match="row 2: usd_per_hour must be a number"):
        pricing.parse_rows(
            [
                {"name": "a", "kind": "cpu", "usd_per_hour": "1", "source": "s", "date": "d"},
                {"name": "b", "kind": "cpu", "usd_per_hour": "lots", "source": "s", "date": "d"},
            ],
            pricing.HardwareRate,
        )
    with pytest.raises(PriceError, match="row 1: source is missing"):
        pricing.parse_rows([{"name": "a", "kind": "cpu", "usd_per_hour": 1, "date": "d"}], pricing.HardwareRate)
