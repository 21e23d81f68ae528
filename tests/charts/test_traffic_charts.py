"""The traffic charts from hand-made load levels: latency against throughput, goodput, price per level."""

from __future__ import annotations

import pandas as pd

from inference_core.charts.traffic_charts import traffic_charts


def _levels(usd: bool = True) -> pd.DataFrame:
    rows = []
    for setting, speedup in (("float32 · greedy", 1.0), ("float32 batched · greedy", 2.5)):
        for value in (1, 4, 16):
            throughput = 15 * min(value, 4 * speedup) ** 0.5 * speedup
            rows.append({"model_name": "SmolLM2 135M Instruct (Q4_1 GGUF)", "setting": setting, "load": "concurrency",
                         "value": float(value), "completed": 8, "failures": 0, "output_tok_per_s": throughput,
                         "ttft_p50_s": 0.1 * value, "ttft_p99_s": 0.2 * value, "tpot_p50_s": 0.06 + 0.01 * value,
                         "tpot_p99_s": 0.08 + 0.01 * value, "goodput_rps": 1.0 / value, "request_per_s": 0.5 * speedup,
                         "ttft_slo_s": 2.0, "tpot_slo_s": 0.2,
                         "usd_per_1m_out": 1.0 / throughput if usd else None})  # fmt: skip
    return pd.DataFrame(rows)


def test_every_traffic_chart_is_drawn_from_the_levels():
    charts = traffic_charts(_levels())
    assert set(charts) == {"tpot_throughput", "ttft_throughput", "goodput", "ttft_load", "usd_per_1m_out"}
    curve = charts["tpot_throughput"].to_dict()
    text = str(curve)
    assert "Output tokens/s, all requests together" in text and "tpot_p99_s" in text  # median with a line to p99
    assert "float32 batched · greedy" in text  # the batched lane is its own line (and in the tooltip)
    assert "TTFT ≤ 2 s and TPOT ≤ 0.2 s" in str(charts["goodput"].to_dict())
    assert "'domain': ['continuous batching', 'one at a time']" in text  # the legend names how each lane serves
    assert "'type': 'log'" in str(charts["usd_per_1m_out"].to_dict())


def test_no_price_chart_without_prices_and_nothing_without_completed_requests():
    assert "usd_per_1m_out" not in traffic_charts(_levels(usd=False))
    assert traffic_charts(_levels().assign(completed=0)) == {}
    assert traffic_charts(pd.DataFrame()) == {}
