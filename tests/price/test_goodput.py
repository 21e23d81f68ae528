"""Goodput, percentiles and throughput of a load level, on hand-made request records."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from inference_core.price.goodput import LatencyObjective, level_summary, levels_from_rows


@dataclass(frozen=True)
class Request:
    ttft_s: float | None
    tpot_s: float | None
    tokens_out: int = 10
    ok: bool = True
    stopped: bool = False
    e2e_s: float | None = None
    tokens_in: int = 20
    itl_s: tuple[float, ...] = ()


OBJECTIVE = LatencyObjective(ttft_s=1.0, tpot_s=0.1)


def test_goodput_counts_requests_meeting_both_objectives_per_second():
    requests = [
        Request(0.5, 0.05),  # meets both
        Request(1.0, 0.1),  # on the objective: meets it
        Request(1.5, 0.05),  # TTFT too slow
        Request(0.5, 0.2),  # TPOT too slow
        Request(0.2, None, tokens_out=1),  # one token: no TPOT, judged on TTFT
        Request(0.1, 0.01, ok=False),  # failed
        Request(0.1, 0.01, stopped=True),  # cut at the time limit
    ]
    row = level_summary(requests, duration_s=2.0, objective=OBJECTIVE)
    assert row["goodput_rps"] == pytest.approx(3 / 2.0)
    assert row["request_per_s"] == pytest.approx(5 / 2.0)
    assert (row["requests"], row["completed"], row["failures"], row["cut"]) == (7, 5, 1, 1)
    assert row["output_tok_per_s"] == pytest.approx((4 * 10 + 1) / 2.0)
    assert (row["ttft_slo_s"], row["tpot_slo_s"]) == (1.0, 0.1)


def test_objective_met_at_no_load_level_gives_zero_goodput():
    row = level_summary([Request(3.0, 0.5), Request(4.0, 0.5)], duration_s=10.0, objective=OBJECTIVE)
    assert row["goodput_rps"] == 0.0 and row["request_per_s"] == pytest.approx(0.2)


def test_percentiles_pool_every_gap_and_skip_one_token_answers_for_tpot():
    requests = [Request(float(i), 0.1 * i, e2e_s=float(i) + 1, itl_s=(0.01 * i, 0.02 * i)) for i in range(1, 101)]
    requests.append(Request(0.5, None, tokens_out=1, e2e_s=0.5))
    row = level_summary(requests, duration_s=50.0, objective=OBJECTIVE, hourly_usd=3.6)
    assert row["ttft_p50_s"] == pytest.approx(50.0, abs=0.6)
    assert row["ttft_p99_s"] == pytest.approx(99.0, abs=0.6)
    assert row["tpot_p50_s"] == pytest.approx(5.05, abs=0.01)  # the one-token answer is not in TPOT
    assert row["itl_p50_s"] == pytest.approx(pd.Series([g for r in requests for g in r.itl_s]).median())
    # $ per 1M output tokens at this level: hourly / (output tok/s x 3600) x 1e6
    assert row["usd_per_1m_out"] == pytest.approx(3.6 / (row["output_tok_per_s"] * 3600) * 1e6)


def test_an_empty_level_has_no_figures():
    row = level_summary([], duration_s=0.0, objective=OBJECTIVE)
    assert row["completed"] == 0 and row["request_per_s"] is None and row["ttft_p50_s"] is None


@pytest.mark.parametrize("bad", [0, -1, 1e9, float("nan"), "soon"])
def test_objectives_are_positive_seconds(bad):
    with pytest.raises(ValueError, match="^ttft_s"):
        LatencyObjective(ttft_s=bad)


def test_levels_are_summarized_again_from_saved_rows():
    rows = pd.DataFrame([
        {"model_name": "M", "setting": "s", "load": "rate", "value": 2.0, "ok": True, "stopped": False, "cut": False,
         "ttft_s": 0.5, "tpot_s": 0.05, "e2e_s": 1.0, "tokens_in": 10, "tokens_out": 10, "sent_s": 0.0,
         "done_s": 1.0, "ttft_slo_s": 1.0, "tpot_slo_s": 0.1, "hourly_usd": None, "utilization_pct": None},
        {"model_name": "M", "setting": "s", "load": "rate", "value": 2.0, "ok": True, "stopped": False, "cut": False,
         "ttft_s": 2.5, "tpot_s": 0.05, "e2e_s": 3.0, "tokens_in": 10, "tokens_out": 10, "sent_s": 1.0,
         "done_s": 4.0, "ttft_slo_s": 1.0, "tpot_slo_s": 0.1, "hourly_usd": None, "utilization_pct": None},
    ])  # fmt: skip
    [level] = levels_from_rows(rows).to_dict("records")
    assert level["duration_s"] == 4.0 and level["goodput_rps"] == pytest.approx(0.25)
    assert level["request_per_s"] == pytest.approx(0.5) and level["itl_p50_s"] is None
