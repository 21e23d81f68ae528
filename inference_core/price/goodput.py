"""What one load level of the traffic experiment achieved: latency percentiles, throughput, goodput.

Definitions follow vLLM's serving benchmark:
- TPOT of a request = (end-to-end - TTFT) / (output tokens - 1); ITL percentiles pool every gap
  between consecutive tokens of every completed request.
- Throughput = completed requests (or their output tokens) / the level's duration, from the first
  request sent to the last one finished.
- Goodput (DistServe, Zhong et al., OSDI 2024) = completed requests meeting every latency
  objective (TTFT <= ``ttft_s`` and TPOT <= ``tpot_s``) / the same duration. A one-token answer
  has no TPOT and is judged on its TTFT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

import numpy as np
import pandas as pd
from pydantic import Field

from inference_core.price.pricing import usd_per_1m_tokens
from inference_core.types import Form

PERCENTILES = (50, 90, 99)
DEFAULT_TTFT_SLO_S = 2.0
DEFAULT_TPOT_SLO_S = 0.2
"""About 5 tokens a second, faster than most people read; a chat service's usual objective is tighter."""


class RequestTiming(Protocol):
    """The figures of one request that a level's summary reads (a RunResult has them all)."""

    ok: bool
    stopped: bool
    ttft_s: float | None
    tpot_s: float | None
    e2e_s: float | None
    tokens_in: int
    tokens_out: int
    itl_s: tuple[float, ...]


Objective = Annotated[float, Field(ge=0.001, le=3600, allow_inf_nan=False)]


class LatencyObjective(Form):
    """Service-level objectives in seconds: time to first token and time per output token."""

    ttft_s: Objective = DEFAULT_TTFT_SLO_S
    tpot_s: Objective = DEFAULT_TPOT_SLO_S

    def met_by(self, request: RequestTiming) -> bool:
        if not completed(request) or request.ttft_s is None or request.ttft_s > self.ttft_s:
            return False
        return request.tokens_out <= 1 or (request.tpot_s is not None and request.tpot_s <= self.tpot_s)


def completed(request: RequestTiming) -> bool:
    return request.ok and not request.stopped


def _percentiles(values: Sequence[float], name: str) -> dict[str, float | None]:
    data = np.asarray([v for v in values if v is not None], dtype=float)
    return {f"{name}_p{p}_s": (float(np.percentile(data, p)) if data.size else None) for p in PERCENTILES}


def level_summary(
    requests: Sequence[RequestTiming],
    duration_s: float,
    objective: LatencyObjective,
    hourly_usd: float | None = None,
    utilization: float = 1.0,
) -> dict[str, Any]:
    """One row for a load level (its load kind and value are added by the caller)."""
    done = [r for r in requests if completed(r)]
    failures = sum(1 for r in requests if not r.ok and not r.stopped)
    output_tokens = sum(r.tokens_out for r in done)
    per_s = (lambda count: count / duration_s) if duration_s > 0 else (lambda count: None)
    output_tok_per_s = per_s(output_tokens)
    row: dict[str, Any] = {
        "requests": len(requests),
        "completed": len(done),
        "failures": failures,
        "cut": sum(1 for r in requests if r.stopped),
        "duration_s": duration_s,
        "tokens_in_mean": float(np.mean([r.tokens_in for r in done])) if done else None,
        "tokens_out_mean": output_tokens / len(done) if done else None,
    }
    row |= _percentiles([r.ttft_s for r in done], "ttft")
    row |= _percentiles([r.tpot_s for r in done if r.tokens_out > 1], "tpot")
    row |= _percentiles([gap for r in done for gap in r.itl_s], "itl")
    row |= _percentiles([r.e2e_s for r in done], "e2e")
    row |= {
        "request_per_s": per_s(len(done)),
        "output_tok_per_s": output_tok_per_s,
        "goodput_rps": per_s(sum(1 for r in done if objective.met_by(r))),
        "ttft_slo_s": objective.ttft_s,
        "tpot_slo_s": objective.tpot_s,
        "usd_per_1m_out": usd_per_1m_tokens(output_tok_per_s, hourly_usd, utilization) if hourly_usd else None,
    }
    return row


@dataclass(frozen=True)
class _RowTiming:
    """A saved request row read back as a RequestTiming (rows keep no inter-token gaps)."""

    ok: bool
    stopped: bool
    ttft_s: float | None
    tpot_s: float | None
    e2e_s: float | None
    tokens_in: int
    tokens_out: int
    itl_s: tuple[float, ...] = ()


LEVEL_KEYS = ("model_name", "setting", "load", "value")


def levels_from_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Each load level's summary from the traffic experiment's request rows (a saved sweep's, too).

    ITL percentiles need every token's time and are left empty here; the sweep's own summary has them."""
    if rows.empty or "sent_s" not in rows:
        return pd.DataFrame()
    levels = []
    for (name, setting, load, value), group in rows.groupby(list(LEVEL_KEYS), sort=False):
        first = group.iloc[0]
        timings = [_row_timing(row) for row in group.to_dict("records")]
        duration = float(group["done_s"].max() - group["sent_s"].min())
        objective = LatencyObjective(
            ttft_s=_number(first.get("ttft_slo_s")) or DEFAULT_TTFT_SLO_S,
            tpot_s=_number(first.get("tpot_slo_s")) or DEFAULT_TPOT_SLO_S,
        )
        hourly, utilization = _number(first.get("hourly_usd")), _number(first.get("utilization_pct"))
        summary = level_summary(timings, duration, objective, hourly, (utilization or 100.0) / 100)
        levels.append({"model_name": name, "setting": setting, "load": load, "value": float(value),
                       "model": first.get("model", name), **summary})  # fmt: skip
    return pd.DataFrame(levels)


def _row_timing(row: dict[str, Any]) -> _RowTiming:
    stopped = bool(row.get("stopped") is True or row.get("cut") is True)
    return _RowTiming(bool(row["ok"]), stopped, _number(row.get("ttft_s")), _number(row.get("tpot_s")),
                      _number(row.get("e2e_s")), int(_number(row.get("tokens_in")) or 0),
                      int(_number(row.get("tokens_out")) or 0))  # fmt: skip


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
