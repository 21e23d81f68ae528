"""Running a sweep plan: a warm-up per lane (not counted), then each point ``repeats`` times, one
run at a time (a traffic point: one load level of many requests); each counted run becomes one
tidy row, and each traffic level one summary row."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from inference_core.backends import BackendContext
from inference_core.experiments.plans import SweepPlan, SweepPoint
from inference_core.experiments.traffic import LevelRun, Load, RequestRecord, run_level
from inference_core.measure import (
    MB,
    METRIC_COLUMNS,
    load_columns,
    memory_bandwidth_gb_s,
    settings_label,
    statistics_eta,
)
from inference_core.price import LatencyObjective, level_summary
from inference_core.runs import BackgroundJob, Finalize, Lane, run_lane
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
        **load_columns(result),
        "weights": result.weights,
        "ok": result.ok,
        "stopped": result.stopped,
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
        self.levels: list[dict[str, Any]] = []
        """The traffic experiment's summary per lane and load level."""

    def work(self) -> None:
        self.run(self.events.put)

    def run(self, on_progress: Callable[[SweepProgress], None] | None = None) -> list[dict[str, Any]]:
        """Run in the calling thread (CLI, tests); returns the rows."""
        started = time.perf_counter()
        self._progress = _Progress(self.plan.total_runs, started, on_progress)
        warmed: set[tuple[str, tuple[str, str, str]]] = set()
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
                self._progress.report(label)
                run_started = time.perf_counter()
                result = None if point.load else self._run_one(point)  # a level records each request itself
                if point.load:
                    self._run_level(point, label)
                self._progress.counted(time.perf_counter() - run_started, 0 if point.load else 1)
                self.counted_wall_s += time.perf_counter() - run_started
                if result is not None and result.stopped:
                    return self.rows
                if result is not None:
                    self._record([result], point, repeat)
                if self.stop_event.is_set():
                    return self.rows
            if by_size and point.lane.ref not in {p.lane.ref for p in self.plan.points[number + 1 :]}:
                self.context.pool.unload(point.lane.ref)  # a ladder of models never fits in memory at once
        self.wall_s = time.perf_counter() - started
        self._progress.report("done", finished=True)
        return self.rows

    def _run_level(self, point: SweepPoint, label: str) -> list[RunResult]:
        """One traffic level: the whole level holds one slot of the operator's queue, its requests none."""
        assert point.load is not None
        load = point.load
        objective = self.plan.traffic.objective if self.plan.traffic else LatencyObjective()
        results: list[RunResult] = []

        def recorded(record: RequestRecord) -> None:
            result = self.finalize(record.result) if self.finalize else record.result
            results.append(result)
            self._record([result], point, 0, request_columns(record, load, objective))
            self._progress.counted(0.0, 1)
            self._progress.report(label)

        gate = self.context.gate
        if not gate.acquire(self.stop_event, lambda _position: None):
            return []
        try:
            level = run_level(point.lane, load, self.context, self.stop_event, recorded)
        finally:
            gate.release()
        self.levels.append(level_row(point, level, results, self.plan))
        return results

    def _record(
        self, batch: list[RunResult], point: SweepPoint, repeat: int, columns: dict[str, Any] | None = None
    ) -> None:
        for result in batch:
            self.results.append(result)
            row = result_row(result, self.plan.experiment, self.plan.variable, point.value, repeat)
            row.update(columns or {})
            if self.bandwidth_gb_s and result.weights_mb:
                row["bandwidth_gb_s"] = self.bandwidth_gb_s
                row["roofline_tok_per_s"] = self.bandwidth_gb_s * 1e9 / (result.weights_mb * MB)
            self.rows.append(row)
            if self.on_row is not None:
                extra = {k: row[k] for k in ("experiment", "variable", "value", "repeat", *(columns or {}))}
                self.on_row(len(self.rows) - 1, result, extra)

    def _run_one(self, point: SweepPoint, warmup: bool = False) -> RunResult:
        lane = point.lane
        if warmup:
            lane = Lane(lane.ref, lane.settings.replace(max_new_tokens=WARMUP_TOKENS, min_new_tokens=0))
        result = run_lane(0, lane, point.prompt, self.context, stop=self.stop_event)
        return self.finalize(result) if self.finalize and not warmup else result

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)

    def levels_frame(self) -> pd.DataFrame:
        """One row per traffic level (empty for other experiments)."""
        return pd.DataFrame(self.levels)


class _Progress:
    """Counts counted runs (a traffic level's requests one by one) and reports with an ETA."""

    def __init__(self, total: int, started: float, sink: Callable[[SweepProgress], None] | None) -> None:
        self.total, self.started, self.sink = total, started, sink
        self.done = 0
        self.durations: list[float] = []

    def counted(self, seconds: float, runs: int) -> None:
        if runs and seconds:
            self.durations.append(seconds)
        self.done += runs

    def report(self, label: str, finished: bool = False) -> None:
        if self.sink is None:
            return
        elapsed = time.perf_counter() - self.started
        eta = 0.0 if finished else statistics_eta(self.durations, self.total - self.done)
        self.sink(SweepProgress(self.done, self.total, label, elapsed, eta))


def request_columns(record: RequestRecord, load: Load, objective: LatencyObjective) -> dict[str, Any]:
    """The columns a traffic request adds to its row: which request, when it was sent and finished, and
    the objective its level is judged by (so a saved sweep's levels can be summarized again)."""
    return {"load": load.kind, "request": record.index, "prompt_index": record.prompt_index,
            "sent_s": record.sent_s, "done_s": record.done_s, "cut": record.cut,
            "ttft_slo_s": objective.ttft_s, "tpot_slo_s": objective.tpot_s}  # fmt: skip


def level_row(point: SweepPoint, level: LevelRun, results: Sequence[RunResult], plan: SweepPlan) -> dict[str, Any]:
    """One traffic level's summary with the lane it loaded."""
    first = results[0] if results else None
    hourly = first.hourly_usd if first else None
    utilization = (first.utilization_pct or 100.0) / 100 if first else 1.0
    objective = plan.traffic.objective if plan.traffic else LatencyObjective()
    row: dict[str, Any] = {
        "model": point.lane.ref,
        "model_name": first.model_name if first else point.lane.ref,
        "setting": settings_label(first, with_length=False) if first else "",
        level.load.kind: point.value,
        "load": level.load.kind,
        "value": point.value,
    }
    return row | level_summary(results, level.duration_s, objective, hourly, utilization)
