"""Token timestamps -> latency and throughput metrics, and aggregation over repeats.

Conventions (vLLM's): TTFT = request start -> first generated token (queue + prefill);
TPOT = (e2e - ttft) / (tokens_out - 1); ITL = the gaps between consecutive tokens, so
TTFT never leaks into ITL and ``len(itl_s) == tokens_out - 1``.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

METRIC_FORMULAS: dict[str, str] = {
    "tokens_in": "prompt tokens after the chat template (token ids)",
    "tokens_out": "generated token ids (EOS included when produced)",
    "ttft_s": "request start -> first generated token (queue + prefill)",
    "server_ttft_s": "TTFT as the server reports it (endpoints that report timings); the gap is network + queue",
    "tpot_s": "(e2e_s - ttft_s) / (tokens_out - 1)",
    "itl_p50_s": "median of the gaps between consecutive tokens",
    "itl_p95_s": "95th percentile of the gaps between consecutive tokens",
    "e2e_s": "request start -> last generated token",
    "decode_tok_per_s": "(tokens_out - 1) / (e2e_s - ttft_s)",
    "prefill_tok_per_s": "tokens_in / ttft_s",
    "model_memory_mb": "this model's own memory: resident memory its load added (at least its weights' bytes) "
    "+ its run's peak growth (rss_delta_mb)",
    "peak_rss_mb": "peak process resident memory during the run (Linux's high-water mark, reset as the run "
    "starts; sampled every 10 ms while another run is measuring)",
    "rss_delta_mb": "peak_rss_mb - resident memory just before the run",
    "weights_mb": "bytes of the loaded parameters (tied weights counted once)",
    "kv_cache_mb": "2 * layers * kv_heads * head_dim * bytes * (tokens_in + tokens_out)",
    "load_s": "time this run waited for its model (0 when already loaded)",
    "usd_per_1m_in": "hourly_usd / (prefill_tok_per_s * 3600) * 1e6 / utilization",
    "usd_per_1m_out": "hourly_usd / (decode_tok_per_s * 3600) * 1e6 / utilization",
    "usd_answer": "e2e_s * hourly_usd / 3600 / utilization: the machine time the answer took",
    "hourly_usd": "the machine's price per hour the run was priced with",
    "utilization_pct": "share of paid hours the machine generates (idle hours are paid too)",
    "roofline_tok_per_s": "memory read bandwidth / weights_mb: each decoded token reads every weight once",
}


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100, numpy's default method); None for no values."""
    return float(np.percentile(values, q)) if len(values) else None


@dataclass(frozen=True)
class TimingMetrics:
    ttft_s: float | None
    e2e_s: float | None
    tpot_s: float | None
    itl_s: tuple[float, ...]
    itl_p50_s: float | None
    itl_p95_s: float | None
    decode_tok_per_s: float | None
    prefill_tok_per_s: float | None


def timing_metrics(token_times_s: Sequence[float], tokens_in: int, tokens_out: int | None = None) -> TimingMetrics:
    """Metrics from token times measured as offsets from the request start.

    ``tokens_out`` is the token count when the times are per chunk rather than per token
    (an endpoint whose chunks carry several tokens): TPOT and decode speed then use it."""
    if not token_times_s:
        return TimingMetrics(None, None, None, (), None, None, None, None)
    ttft = token_times_s[0]
    e2e = token_times_s[-1]
    itl = tuple(b - a for a, b in itertools.pairwise(token_times_s))
    decode_s = e2e - ttft
    steps = len(itl) if tokens_out is None else tokens_out - 1
    tpot = decode_s / steps if itl and steps > 0 else None
    decode_rate = steps / decode_s if itl and steps > 0 and decode_s > 0 else None
    prefill_rate = tokens_in / ttft if ttft > 0 and tokens_in else None
    return TimingMetrics(
        ttft_s=ttft,
        e2e_s=e2e,
        tpot_s=tpot,
        itl_s=itl,
        itl_p50_s=percentile(itl, 50),
        itl_p95_s=percentile(itl, 95),
        decode_tok_per_s=decode_rate,
        prefill_tok_per_s=prefill_rate,
    )


NOISY_CV = 0.10
"""Coefficient of variation above which a point gets a warning."""


@dataclass(frozen=True)
class Summary:
    """Median and spread of repeated measurements of one quantity."""

    n: int
    median: float
    low: float
    high: float
    ci_low: float
    ci_high: float
    cv: float

    @property
    def noisy(self) -> bool:
        """True when the coefficient of variation is above NOISY_CV (10%)."""
        return self.cv > NOISY_CV


def summarize(values: Sequence[float], *, seed: int = 0, resamples: int = 1000) -> Summary | None:
    """Median, min-max and a bootstrap 95% interval of the median."""
    clean = [v for v in values if v is not None]
    if not clean:
        return None
    med = statistics.median(clean)
    mean = statistics.fmean(clean)
    cv = statistics.pstdev(clean) / mean if len(clean) > 1 and mean else 0.0
    resampled = np.random.default_rng(seed).choice(clean, size=(resamples, len(clean)))
    ci_low, ci_high = np.percentile(np.median(resampled, axis=1), [2.5, 97.5])
    return Summary(n=len(clean), median=med, low=min(clean), high=max(clean), ci_low=float(ci_low),
                   ci_high=float(ci_high), cv=cv)  # fmt: skip


# Statistics over sweep rows -----------------------------------------------------------------


def statistics_eta(durations_s: Sequence[float], remaining: int) -> float | None:
    """Remaining runs times the median run so far; None before the first run."""
    return statistics.median(durations_s) * remaining if durations_s else None


SUMMARY_METRICS = ("ttft_s", "e2e_s", "tpot_s", "decode_tok_per_s", "prefill_tok_per_s", "model_memory_mb",
                   "peak_rss_mb", "rss_delta_mb", "weights_mb", "kv_cache_mb", "tokens_in", "tokens_out",
                   "usd_per_1m_out", "usd_answer", "roofline_tok_per_s")  # fmt: skip


def summarize_rows(rows: pd.DataFrame, metrics: Sequence[str] = SUMMARY_METRICS) -> pd.DataFrame:
    """Median, min-max and bootstrap 95% CI per (model, setting, value) and metric; noisy when CV > 10%."""
    if rows.empty:
        return pd.DataFrame()
    ok = rows[rows["ok"]]
    records = []
    for (model, setting, value), group in ok.groupby(["model_name", "setting", "value"], sort=False):
        record: dict[str, Any] = {"model_name": model, "setting": setting, "value": value,
                                  "params_m": group["params_m"].iloc[0], "runs": len(group),
                                  "weights": group["weights"].iloc[0] if "weights" in group else "trained"}  # fmt: skip
        for metric in (m for m in metrics if m in group):
            summary = summarize([v for v in group[metric] if pd.notna(v)])
            if summary is None:
                continue
            record[metric] = summary.median
            record[f"{metric}_low"], record[f"{metric}_high"] = summary.low, summary.high
            record[f"{metric}_ci_low"], record[f"{metric}_ci_high"] = summary.ci_low, summary.ci_high
            record[f"{metric}_cv"] = summary.cv
        records.append(record)
    return pd.DataFrame(records)


def noisy_points(summary: pd.DataFrame, metrics: Sequence[str] = ("e2e_s", "decode_tok_per_s", "ttft_s")) -> list[str]:
    """Human-readable list of points whose coefficient of variation is above 10%."""
    found = []
    for _, row in summary.iterrows():
        for metric in metrics:
            cv = row.get(f"{metric}_cv")
            if cv is not None and pd.notna(cv) and cv > NOISY_CV and row["runs"] > 1:
                found.append(f"{row['model_name']} · {row['setting']} · {row['value']}: {metric} varies {cv:.0%}")
    return found


def fit_line(x: Sequence[float], y: Sequence[float]) -> tuple[float, float] | None:
    """Least-squares (intercept, slope); None with fewer than two distinct x values."""
    pairs = [(a, b) for a, b in zip(x, y, strict=True) if pd.notna(a) and pd.notna(b)]
    if len({a for a, _ in pairs}) < 2:
        return None
    slope, intercept = statistics.linear_regression(*zip(*pairs, strict=True))
    return intercept, slope


@dataclass(frozen=True)
class OutputFit:
    """e2e = ttft + (n - 1) * tpot, fitted per model and setting from a sweep's rows, with bootstrap 95%
    intervals of both terms (the rows resampled with replacement)."""

    model_name: str
    setting: str
    ttft_s: float
    tpot_s: float
    ttft_interval: tuple[float, float] = (float("nan"), float("nan"))
    tpot_interval: tuple[float, float] = (float("nan"), float("nan"))

    def describe(self) -> str:
        """The fit in words, never a physically impossible figure as a finding: a fixed cost or a per-token cost
        whose interval reaches zero or below is "not resolved by this data" (with the fitted value)."""
        def term(value: float, interval: tuple[float, float], unit: float, name: str, text: str) -> str:
            low, high = interval[0] * unit, interval[1] * unit
            if not low > 0:  # NaN too: too few distinct lengths to say
                return f"{name} not resolved by this data (fit {value * unit:.2f}, 95% interval {low:.2f} to " \
                       f"{high:.2f})"
            return f"{text} (95% interval {low:.2f}-{high:.2f})"

        fixed = term(self.ttft_s, self.ttft_interval, 1, "fixed cost (s)", f"{self.ttft_s:.2f} s")
        per_token = term(self.tpot_s, self.tpot_interval, 1000, "per-token cost (ms)",
                         f"{self.tpot_s * 1000:.1f} ms per token")  # fmt: skip
        return f"e2e = {fixed} + (n - 1) x {per_token}"


Interval = tuple[float, float]


def _fit_interval(x: np.ndarray, y: np.ndarray, resamples: int = 1000) -> tuple[Interval, Interval]:
    """Bootstrap 95% intervals of a line's (intercept, slope); NaN where a resample has one distinct x."""
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(resamples):
        pick = rng.integers(0, len(x), len(x))
        if len(set(x[pick])) > 1:
            slope, intercept = np.polyfit(x[pick], y[pick], 1)
            lines.append((intercept, slope))
    if not lines:
        return (float("nan"),) * 2, (float("nan"),) * 2  # type: ignore[return-value]
    low, high = np.percentile(np.asarray(lines), [2.5, 97.5], axis=0)
    return (float(low[0]), float(high[0])), (float(low[1]), float(high[1]))


def fit_output_length(rows: pd.DataFrame) -> list[OutputFit]:
    fits = []
    ok = rows[rows["ok"]]
    for (model, setting), group in ok.groupby(["model_name", "setting"], sort=False):
        line = fit_line(list(group["tokens_out"] - 1), list(group["e2e_s"]))
        if line is not None:
            pairs = group[["tokens_out", "e2e_s"]].dropna()
            ttft, tpot = _fit_interval((pairs["tokens_out"] - 1).to_numpy(float), pairs["e2e_s"].to_numpy(float))
            fits.append(OutputFit(model, setting, line[0], line[1], ttft, tpot))
    return fits
