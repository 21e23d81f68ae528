"""Sweeps: the explainer's claims as measured curves.

An experiment is planned as points (a lane and a prompt, plus the value of the swept
variable); each distinct lane is warmed up once (not counted), then every point runs
``repeats`` times, one run at a time. Each counted run becomes one tidy row.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from inference_core.backends import BackendContext
from inference_core.backends.results import plain_error
from inference_core.catalog import resolve_reference
from inference_core.metrics import NOISY_CV, summarize
from inference_core.prompts import EXAMPLES, document_prompt
from inference_core.report import METRIC_COLUMNS, settings_label
from inference_core.runner import Finalize, Lane, compare, run_lane
from inference_core.types import ModelSpec, RunResult, Settings

EXPERIMENTS = {
    "output-length": "Output length: end-to-end time grows with every generated token",
    "input-length": "Input length: a longer prompt takes longer to read (prefill) before the first token",
    "model-size": "Model size: bigger models are slower per token and need more memory",
    "settings": "Settings: float32, bfloat16 and int8 weights of one model, side by side",
    "traffic": "Traffic: concurrent requests compete for the model, so each waits longer for its first token",
}
DEFAULT_OUTPUT_LENGTHS = (16, 32, 64, 128, 256)
DEFAULT_INPUT_LENGTHS = (64, 256, 1024, 2048)
DEFAULT_CONCURRENCY = (1, 2, 4)
MAX_CONCURRENCY = 8
DEFAULT_SETTINGS_VARIANTS = ("dtype=float32", "dtype=bfloat16", "quantize=int8")
FIXED_PROMPT = EXAMPLES["Request for a long answer"]
WORDS_PER_TOKEN = 0.75  # English text, roughly; the measured tokens_in is what gets charted
WARMUP_TOKENS = 4


MAX_REPEATS = 1000


class SweepError(ValueError):
    """A sweep that cannot run as asked; the message is for the user."""


@dataclass(frozen=True)
class SweepPoint:
    lane: Lane
    prompt: str
    value: float | str
    """The swept variable's planned value (output tokens, target input tokens, params, setting, requests)."""
    concurrency: int = 1
    """Copies of the request sent at once (the traffic experiment)."""


@dataclass(frozen=True)
class SweepPlan:
    experiment: str
    variable: str
    points: tuple[SweepPoint, ...]
    repeats: int
    notes: tuple[str, ...] = ()

    @property
    def total_runs(self) -> int:
        return len(self.points) * self.repeats


def parse_lengths(values: Iterable[Any]) -> list[int]:
    """Typed lengths or request counts as whole numbers; SweepError names the bad one."""
    parsed = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        try:
            parsed.append(int(text))
        except ValueError:
            raise SweepError(f"lengths must be whole numbers, got {text[:40]!r}") from None
    if not parsed:
        raise SweepError("give at least one length (whole numbers separated by commas)")
    return parsed


def parse_variant(text: str, base: Settings) -> Settings:
    """A settings-experiment variant ``key=value[,key=value]`` applied to ``base``; SweepError when malformed."""
    from inference_core.catalog import lane_settings, split_lane

    try:
        _, overrides = split_lane(f"x:{text.strip()}")
        if not overrides:
            raise ValueError("it must look like key=value[,key=value], e.g. dtype=bfloat16")
        return lane_settings(base, overrides)
    except ValueError as exc:
        raise SweepError(f"setting {text[:60]!r}: {exc}") from None


def _resolve(refs: Sequence[str]) -> list[ModelSpec]:
    if not refs:
        raise SweepError("choose at least one model")
    specs = [resolve_reference(ref) for ref in refs]
    missing = [s.name for s in specs if not s.available]
    if missing:
        raise SweepError(f"not available on this machine: {', '.join(missing)}")
    return specs


def plan_sweep(
    experiment: str,
    refs: Sequence[str],
    *,
    base: Settings | None = None,
    lengths: Sequence[int] | None = None,
    variants: Sequence[str] = DEFAULT_SETTINGS_VARIANTS,
    repeats: int = 3,
) -> SweepPlan:
    """Points for an experiment; raises SweepError with a plain message for bad input."""
    if experiment not in EXPERIMENTS:
        raise SweepError(f"experiment must be one of {', '.join(EXPERIMENTS)}, got {experiment!r}")
    if not 1 <= repeats <= MAX_REPEATS:
        raise SweepError(f"repeats must be between 1 and {MAX_REPEATS}, got {repeats}")
    base = base or Settings(max_new_tokens=32)
    base = base.replace(min_new_tokens=base.max_new_tokens)  # pinned output length
    specs = _resolve(refs)
    points: list[SweepPoint] = []
    notes: list[str] = []

    if experiment == "output-length":
        lengths = sorted(set(lengths or DEFAULT_OUTPUT_LENGTHS))
        if not lengths or lengths[0] < 1:
            raise SweepError("output lengths must be whole numbers of at least 1")
        for spec in specs:
            for n in lengths:
                if n + 64 > spec.context_length:
                    raise SweepError(
                        f"output length {n} is above the context of {spec.name} ({spec.context_length} tokens)"
                    )
                settings = base.replace(max_new_tokens=n, min_new_tokens=n)
                points.append(SweepPoint(Lane(spec.key, settings), FIXED_PROMPT, n))
        return SweepPlan(experiment, "tokens_out", tuple(points), repeats)

    if experiment == "input-length":
        lengths = sorted(set(lengths or DEFAULT_INPUT_LENGTHS))
        if not lengths or lengths[0] < 1:
            raise SweepError("input lengths must be whole numbers of at least 1")
        for spec in specs:
            for n in lengths:
                if n + base.max_new_tokens + 64 > spec.context_length:
                    notes.append(f"{spec.name}: {n} input tokens skipped (context {spec.context_length})")
                    continue
                prompt = document_prompt(max(1, int(n * WORDS_PER_TOKEN)))
                points.append(SweepPoint(Lane(spec.key, base), prompt, n))
        if not points:
            raise SweepError("every input length is above the chosen models' context")
        return SweepPlan(experiment, "tokens_in", tuple(points), repeats, tuple(notes))

    if experiment == "traffic":
        levels = sorted(set(lengths or DEFAULT_CONCURRENCY))
        if not levels or levels[0] < 1 or levels[-1] > MAX_CONCURRENCY:
            raise SweepError(f"concurrent requests must be between 1 and {MAX_CONCURRENCY}")
        for spec in specs:
            for n in levels:
                points.append(SweepPoint(Lane(spec.key, base), EXAMPLES["Short question"], n, concurrency=n))
        return SweepPlan(experiment, "concurrency", tuple(points), repeats)

    if experiment == "model-size":
        for spec in specs:
            points.append(SweepPoint(Lane(spec.key, base), FIXED_PROMPT, spec.params_m or 0.0))
        return SweepPlan(experiment, "params_m", tuple(points), repeats)

    if len(specs) != 1:
        raise SweepError("the settings experiment compares one model: choose exactly one")
    if not variants:
        raise SweepError("choose at least one setting")
    for variant in variants:
        settings = parse_variant(variant, base)
        points.append(SweepPoint(Lane(specs[0].key, settings), FIXED_PROMPT, variant))
    return SweepPlan(experiment, "setting", tuple(points), repeats)


def result_row(result: RunResult, experiment: str, variable: str, value: Any, repeat: int) -> dict[str, Any]:
    """One tidy row: experiment, variable, repeat, identity, and every metric."""
    row: dict[str, Any] = {
        "experiment": experiment,
        "variable": variable,
        "value": value,
        "repeat": repeat,
        "model": result.model,
        "model_name": result.model_name,
        "params_m": result.params_m,
        "setting": settings_label(result, with_length=False),
        "dtype": result.settings.dtype,
        "quantize": result.settings.quantize,
        "ok": result.ok,
        "error": result.error,
        "text": result.text,
    }
    row.update({name: getattr(result, name) for name in METRIC_COLUMNS})
    return row


@dataclass(frozen=True)
class SweepProgress:
    done: int
    total: int
    current: str
    elapsed_s: float
    eta_s: float | None


class Sweep:
    """Runs a plan on a background thread; ``events`` receives SweepProgress, then None."""

    def __init__(
        self,
        plan: SweepPlan,
        context: BackendContext,
        finalize: Finalize | None = None,
        on_row: Callable[[int, RunResult, dict[str, Any]], None] | None = None,
    ) -> None:
        """``on_row(index, result, row)`` sees every counted run as it finishes (saving)."""
        self.plan = plan
        self.on_row = on_row
        self.context = context
        self.finalize = finalize
        self.rows: list[dict[str, Any]] = []
        self.results: list[RunResult] = []
        self.error = ""
        self.stop_event = threading.Event()
        self.events: queue.Queue[SweepProgress | None] = queue.Queue()
        self.wall_s = 0.0
        self.counted_wall_s = 0.0
        """Wall time of the counted runs alone (warm-ups excluded)."""
        self._thread = threading.Thread(target=self._run_safely, name="sweep", daemon=True)

    def start(self) -> Sweep:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def run(self, on_progress: Callable[[SweepProgress], None] | None = None) -> list[dict[str, Any]]:
        """Run in the calling thread (CLI, tests); returns the rows."""
        started = time.perf_counter()
        done, total = 0, self.plan.total_runs
        warmed: set[tuple[str, tuple[str, str, str]]] = set()
        counted_s: list[float] = []
        for point in self.plan.points:
            label = f"{point.lane.ref} · {self.plan.variable}={point.value}"
            key = (point.lane.ref, point.lane.settings.load_key)
            if key not in warmed:
                warmed.add(key)
                self._run_one(point, warmup=True)
            for repeat in range(self.plan.repeats):
                if self.stop_event.is_set():
                    return self.rows
                if on_progress:
                    eta = statistics_eta(counted_s, total - done)
                    on_progress(SweepProgress(done, total, label, time.perf_counter() - started, eta))
                run_started = time.perf_counter()
                batch = self._run_point(point)
                counted_s.append(time.perf_counter() - run_started)
                self.counted_wall_s += counted_s[-1]
                if any(result.stopped for result in batch):
                    return self.rows
                aggregate = _aggregate_tok_per_s(batch)
                for result in batch:
                    self.results.append(result)
                    row = result_row(result, self.plan.experiment, self.plan.variable, point.value, repeat)
                    row["aggregate_tok_per_s"] = aggregate
                    self.rows.append(row)
                    if self.on_row is not None:
                        extra = {k: row[k] for k in ("experiment", "variable", "value", "repeat")}
                        self.on_row(len(self.rows) - 1, result, extra)
                done += 1
        self.wall_s = time.perf_counter() - started
        if on_progress:
            on_progress(SweepProgress(done, total, "done", self.wall_s, 0.0))
        return self.rows

    def _run_point(self, point: SweepPoint) -> list[RunResult]:
        """One counted step: a single request, or ``concurrency`` copies sent at once."""
        if point.concurrency == 1:
            return [self._run_one(point)]
        lanes = [point.lane] * point.concurrency
        results = compare(point.prompt, lanes, context=self.context, mode="race", stop=self.stop_event)
        return [self.finalize(r) if self.finalize else r for r in results]

    def _run_one(self, point: SweepPoint, warmup: bool = False) -> RunResult:
        lane = point.lane
        if warmup:
            lane = Lane(lane.ref, lane.settings.replace(max_new_tokens=WARMUP_TOKENS, min_new_tokens=0))
        result = run_lane(0, lane, point.prompt, self.context, stop=self.stop_event)
        return self.finalize(result) if self.finalize and not warmup else result

    def _run_safely(self) -> None:
        try:
            self.run(self.events.put)
        except Exception as exc:  # reported to the UI, never raised into it
            self.error = plain_error(exc)
        finally:
            self.events.put(None)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)


def _aggregate_tok_per_s(batch: Sequence[RunResult]) -> float | None:
    """Tokens the whole batch generated per second of its longest request."""
    longest = max((r.e2e_s or 0.0 for r in batch if r.ok), default=0.0)
    return sum(r.tokens_out for r in batch if r.ok) / longest if longest > 0 else None


def statistics_eta(durations_s: Sequence[float], remaining: int) -> float | None:
    """Remaining runs times the median run so far; None before the first run."""
    if not durations_s:
        return None
    ordered = sorted(durations_s)
    return ordered[len(ordered) // 2] * remaining


SUMMARY_METRICS = ("ttft_s", "e2e_s", "tpot_s", "decode_tok_per_s", "prefill_tok_per_s", "peak_rss_mb",
                   "rss_delta_mb", "weights_mb", "kv_cache_mb", "tokens_in", "tokens_out", "usd_per_1m_out",
                   "usd_answer", "aggregate_tok_per_s")  # fmt: skip


def summarize_rows(rows: pd.DataFrame, metrics: Sequence[str] = SUMMARY_METRICS) -> pd.DataFrame:
    """Median, min-max and bootstrap 95% CI per (model, setting, value) and metric; noisy when CV > 10%."""
    if rows.empty:
        return pd.DataFrame()
    ok = rows[rows["ok"]]
    records = []
    for (model, setting, value), group in ok.groupby(["model_name", "setting", "value"], sort=False):
        record: dict[str, Any] = {"model_name": model, "setting": setting, "value": value,
                                  "params_m": group["params_m"].iloc[0], "runs": len(group)}  # fmt: skip
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
    n = len(pairs)
    mean_x = sum(a for a, _ in pairs) / n
    mean_y = sum(b for _, b in pairs) / n
    slope = sum((a - mean_x) * (b - mean_y) for a, b in pairs) / sum((a - mean_x) ** 2 for a, _ in pairs)
    return mean_y - slope * mean_x, slope


@dataclass(frozen=True)
class OutputFit:
    """e2e = ttft + (n - 1) * tpot, fitted per model and setting from a sweep's rows."""

    model_name: str
    setting: str
    ttft_s: float
    tpot_s: float


def fit_output_length(rows: pd.DataFrame) -> list[OutputFit]:
    fits = []
    ok = rows[rows["ok"]]
    for (model, setting), group in ok.groupby(["model_name", "setting"], sort=False):
        line = fit_line(list(group["tokens_out"] - 1), list(group["e2e_s"]))
        if line is not None:
            fits.append(OutputFit(model, setting, ttft_s=line[0], tpot_s=line[1]))
    return fits
