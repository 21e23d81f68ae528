"""Cost tables from results and price tables, against hand-computed values."""

from __future__ import annotations

import pandas as pd
import pytest

from inference_core.price import cost
from inference_core.price.pricing import ApiPrice, Traffic
from inference_core.types import RunResult, Settings


def result(name: str, prefill: float, decode: float, **settings) -> RunResult:
    return RunResult(model=name, model_name=f"{name} (GGUF)", settings=Settings(**settings), ok=True, params_m=100.0,
                     prefill_tok_per_s=prefill, decode_tok_per_s=decode)  # fmt: skip


def test_throughput_is_the_median_per_model_and_weights():
    frame = cost.measured_throughput(
        [result("a", 100, 10), result("a", 300, 30), result("a", 200, 20), result("a", 50, 5, quantize="int8")]
    )
    assert list(frame["option"]) == ["a · float32", "a · int8"]
    assert list(frame["decode_tok_per_s"]) == [20, 5] and list(frame["runs"]) == [3, 1]
    assert cost.measured_throughput([]).empty


def test_self_hosted_and_api_prices_share_columns_and_curves():
    throughput = cost.measured_throughput([result("a", 1000, 10)])
    prices = cost.self_hosted_prices(throughput, hourly_usd=0.36, utilization=1.0)
    assert prices["usd_per_1m_out"].iloc[0] == pytest.approx(10.0)  # 0.36 / 36000 * 1e6
    apis = cost.api_frame([ApiPrice("x", "p", 1.0, 2.0, "s", "d")])
    curve = cost.answer_cost_curve(pd.concat([prices, apis], ignore_index=True), tokens_in=1000, lengths=[0, 1000])
    api_rows = curve[curve["kind"] == "API"]
    assert list(api_rows["usd_answer"]) == pytest.approx([0.001, 0.003])


def test_monthly_costs_sort_cheapest_first_with_machines():
    throughput = cost.measured_throughput([result("a", 1000, 10)])
    traffic = Traffic(
        users=10, requests_per_user_per_day=10, tokens_in=100, tokens_out=100
    )  # 3000 requests, 10.1 s each -> 8.4 busy hours
    apis = [ApiPrice("x", "p", 1.0, 2.0, "s", "d")]
    monthly = cost.monthly_costs(traffic, throughput, apis, hourly_usd=1.0, utilization=1.0)
    assert list(monthly["option"]) == ["x (API)", "a · float32"]
    assert monthly["usd_per_month"].iloc[0] == pytest.approx(3000 * 300e-6)
    assert monthly["machines"].iloc[1] == 1 and monthly["usd_per_month"].iloc[1] == pytest.approx(730)
    breaks = cost.break_evens(traffic, throughput, apis, 1.0, 1.0)
    assert breaks["verdict"].iloc[0].startswith("never")


def test_input_costs_price_the_same_tokens_self_hosted_and_at_each_api():
    from inference_core.price.cost import api_frame, input_costs
    from inference_core.price.pricing import ApiPrice

    apis = api_frame([ApiPrice("cheap", "p", 0.5, 2.0, "s", "2025-01-01")])
    assert input_costs(2_000_000, 0.25, apis) == {"self-hosted $": 0.5, "cheap (API) $": pytest.approx(1.0)}
    assert input_costs(10, None, apis)["self-hosted $"] is None


def test_the_energy_tables_hardware_price_is_the_price_tables_own():
    runs = [result("a", 100, decode).replace(energy_j=decode, tokens_out=32) for decode in (10.0, 30.0, 12.0)]
    prices = cost.self_hosted_prices(cost.measured_throughput(runs), 0.085, 0.5)
    energy = cost.energy_costs(runs, cost.Electricity(0.15, 1.2), 0.085, 0.5)
    # the median of per-run prices (1 / speed) would differ from the price of the median speed: one definition
    assert energy["hardware_usd_per_1m_out"].tolist() == prices["usd_per_1m_out"].tolist()
