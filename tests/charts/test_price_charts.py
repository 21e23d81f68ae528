"""Sweep prices: the fitted price line and API prices for the same token counts."""

from __future__ import annotations

import pandas as pd
import pytest

from inference_core.charts.price_charts import answer_price_fits, api_answer_lines, api_rules, input_price_fits


def rows(ttft: float = 0.2, tpot: float = 0.05, hourly: float = 0.72, utilization_pct: float = 50) -> pd.DataFrame:
    """Hand-made sweep rows whose times follow e2e = ttft + (n - 1) * tpot exactly, priced by machine time."""
    records = []
    for n in (16, 64):
        e2e = ttft + (n - 1) * tpot
        records.append({"model_name": "M", "setting": "float32 · greedy", "ok": True, "tokens_in": 100 + n,
                        "tokens_out": n, "e2e_s": e2e, "hourly_usd": hourly, "utilization_pct": utilization_pct,
                        "usd_answer": e2e * hourly / 3600 / (utilization_pct / 100)})  # fmt: skip
    return pd.DataFrame(records)


def test_the_price_line_is_the_time_fit_priced_at_the_sweeps_rate():
    fits = answer_price_fits(rows())
    assert list(fits["x"]) == [16, 64]
    for _, point in fits.iterrows():
        expected = (0.2 + (point["x"] - 1) * 0.05) * 0.72 / 3600 / 0.5
        assert point["y"] == pytest.approx(expected)
    assert "$0.72/h / 50%" in fits["fit"].iloc[0]
    assert answer_price_fits(rows().drop(columns=["hourly_usd"])).empty  # unpriced rows: no line


def test_input_length_price_fit_and_api_lines_for_the_same_token_counts():
    line = input_price_fits(rows())
    assert line["y"].iloc[-1] == pytest.approx(rows()["usd_answer"].iloc[-1])  # two points: the line goes through
    apis = pd.DataFrame({"option": ["api (API)"], "usd_per_1m_in": [1.0], "usd_per_1m_out": [4.0]})
    lines = api_answer_lines(apis, rows(), "tokens_out")
    held_in = rows()["tokens_in"].median()
    assert list(lines["y"]) == pytest.approx([(held_in * 1.0 + n * 4.0) / 1e6 for n in (16, 64)])
    assert "api (API)" in str(api_rules(apis).to_dict())
