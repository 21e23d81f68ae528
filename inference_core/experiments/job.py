"""Running a sweep plan: a warm-up per lane (not counted), then each point ``repeats`` times,
one run at a time; each counted run becomes one tidy row."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from inference_core.backends import BackendContext
from inference_core.experiments.plans import SweepPlan, SweepPoint
from inference_core.jobs import BackgroundJob
from inference_core.lanes import Lane
from inference_core.memory import MB, memory_bandwidth_gb_s
from inference_core.metrics import statistics_eta
from inference_core.report import METRIC_COLUMNS, settings_label
from inference_core.runner import Finalize, compare, run_lane
from inference_core.types import RunResult

WARMUP_TOKENS = 4


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
        "weights": result.weights,
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


class Sweep(BackgroundJob[SweepProgress]):
    """Runs a plan; ``on_row(index, result, extra)`` sees every counted run as it finishes (saving)."""

    def __init__(
        self,
        plan: SweepPlan,
        context: BackendContext,
        finalize: Finalize | None = None,
        on_row: Callable[[int, RunResult, dict[str, Any]], None] | None = None,
    ) -> None:
        super().__init__("sweep")
        self.plan = plan
        self.on_row = on_row
        self.context = context
        self.finalize = finalize
        self.rows: list[dict[str, Any]] = []
        self.results: list[RunResult] = []
        self.wall_s = 0.0
        self.counted_wall_s = 0.0
        """Wall time of the counted runs alone (warm-ups excluded)."""
        self.bandwidth_gb_s: float | None = None
        """Memory read bandwidth measured before a model-size sweep (its roofline)."""

    def work(self) -> None:
        self.run(self.events.put)

    def run(self, on_progress: Callable[[SweepProgress], None] | None = None) -> list[dict[str, Any]]:
        """Run in the calling thread (CLI, tests); returns the rows."""
        started = time.perf_counter()
        done, total = 0, self.plan.total_runs
        warmed: set[tuple[str, tuple[str, str, str]]] = set()
        counted_s: list[float] = []
        by_size = self.plan.experiment == "model-size"
        if by_size:
            self.bandwidth_gb_s = memory_bandwidth_gb_s()
        for number, point in enumerate(self.plan.points):
            label = f"{point.lane.ref} · {self.plan.variable}={point.value}"
            if (point.lane.ref, point.lane.settings.load_key) not in warmed:
                warmed.add((point.lane.ref, point.lane.settings.load_key))
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
                self._record(batch, point, repeat)
                done += 1
            if by_size and point.lane.ref not in {p.lane.ref for p in self.plan.points[number + 1 :]}:
                self.context.pool.unload(point.lane.ref)  # a ladder of models never fits in memory at once
        self.wall_s = time.perf_counter() - started
        if on_progress:
            on_progress(SweepProgress(done, total, "done", self.wall_s, 0.0))
        return self.rows

    def _record(self, batch: list[RunResult], point: SweepPoint, repeat: int) -> None:
        aggregate = _aggregate_tok_per_s(batch)
        for result in batch:
            self.results.append(result)
            row = result_row(result, self.plan.experiment, self.plan.variable, point.value, repeat)
            row["aggregate_tok_per_s"] = aggregate
            if self.bandwidth_gb_s and result.weights_mb:
                row["bandwidth_gb_s"] = self.bandwidth_gb_s
                row["roofline_tok_per_s"] = self.bandwidth_gb_s * 1e9 / (result.weights_mb * MB)
            self.rows.append(row)
            if self.on_row is not None:
                extra = {k: row[k] for k in ("experiment", "variable", "value", "repeat")}
                self.on_row(len(self.rows) - 1, result, extra)

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

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)


def _aggregate_tok_per_s(batch: Sequence[RunResult]) -> float | None:
    """Tokens the whole batch generated per second of its longest request."""
    longest = max((r.e2e_s or 0.0 for r in batch if r.ok), default=0.0)
    return sum(r.tokens_out for r in batch if r.ok) / longest if longest > 0 else None
