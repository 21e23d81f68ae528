"""Building RunResults: shared by every backend so metrics are computed one way."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import ValidationError

from inference_core.measure import EnergyMeter, collect_environment, now_iso, timing_metrics
from inference_core.types import ModelSpec, RunResult, Settings, StatusEvent, problem


def failed_result(spec: ModelSpec | None, settings: Settings, backend: str, message: str, **extra: Any) -> RunResult:
    """A lane that could not run: ``ok=False`` with a plain message."""
    fallback_model, fallback_name = extra.pop("model", "?"), extra.pop("model_name", "?")
    return RunResult(
        model=spec.key if spec else fallback_model,
        model_name=spec.name if spec else fallback_name,
        settings=settings,
        ok=False,
        error=message,
        backend=backend,
        params_m=spec.params_m if spec else None,
        weights=spec.weights if spec else "trained",
        started_at=extra.pop("started_at", now_iso()),
        environment=collect_environment(),
        **extra,
    )


def measured_result(
    spec: ModelSpec,
    settings: Settings,
    backend: str,
    *,
    text: str,
    tokens_in: int,
    token_times_s: Sequence[float],
    stopped: bool = False,
    tokens_out: int | None = None,
    **extra: Any,
) -> RunResult:
    """A finished lane: timing metrics derived from per-token times (offsets from start).

    ``tokens_out`` overrides the count when the times are per chunk (see ``timing_metrics``)."""
    timing = timing_metrics(token_times_s, tokens_in, tokens_out)
    return RunResult(
        model=spec.key,
        model_name=spec.name,
        settings=settings,
        ok=True,
        stopped=stopped,
        backend=backend,
        text=text,
        tokens_in=tokens_in,
        tokens_out=len(token_times_s) if tokens_out is None else tokens_out,
        token_times_s=tuple(token_times_s),
        params_m=extra.pop("params_m", spec.params_m),
        weights=spec.weights,
        environment=collect_environment(),
        ttft_s=timing.ttft_s,
        e2e_s=timing.e2e_s,
        tpot_s=timing.tpot_s,
        itl_s=timing.itl_s,
        itl_p50_s=timing.itl_p50_s,
        itl_p95_s=timing.itl_p95_s,
        decode_tok_per_s=timing.decode_tok_per_s,
        prefill_tok_per_s=timing.prefill_tok_per_s,
        **extra,
    )


def model_memory_mb(loaded: Any, run_delta_mb: float) -> float:
    """A model's own memory: what its load added to the process (never less than its weights' bytes,
    since an allocator may reuse memory freed by an earlier model) plus its run's peak growth."""
    return max(loaded.load_rss_mb, loaded.weights_mb) + max(run_delta_mb, 0.0)


def plain_error(exc: BaseException) -> str:
    """One line a user can act on, without a traceback."""
    if getattr(exc, "for_user", False):
        return str(exc)
    if isinstance(exc, ValidationError):
        return problem(exc)
    if isinstance(exc, MemoryError) or "out of memory" in str(exc).lower():
        return "out of memory: choose a smaller model, bfloat16 or int8, or the sequential mode"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__


Generate = Callable[[Any, float, float, str], RunResult]
"""generate(loaded model, request start, seconds waited for the model, started_at) -> the lane's result."""


class Metered:
    """The energy of one generation (the model's load is not in it, like its timings)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._meter: EnergyMeter | None = None

    def __enter__(self) -> Metered:
        self._meter = EnergyMeter(collect_environment().get("cpu") or "", cuda=self._settings.device == "cuda")
        return self

    def add(self, result: RunResult) -> RunResult:
        assert self._meter is not None
        try:
            joules, method = self._meter.finish()
        except Exception as exc:  # energy is a figure of the run, never a reason for it to fail
            joules, method = None, f"not estimated: {plain_error(exc)}"
        self._meter = None
        return result.replace(energy_j=joules, energy_method=method)

    def __exit__(self, *_exc: object) -> None:
        if self._meter is not None:  # generation raised: release the meter
            with contextlib.suppress(Exception):
                self._meter.finish()


def run_loaded(
    name: str, pool: Any, loader: Any, lane: int, spec: ModelSpec, settings: Settings, on_event: Any, generate: Generate
) -> RunResult:
    """What every local backend does around generating: get the model from the pool (loading it with
    ``loader`` when cold, with progress), hold its lock, generate; never raise (a failure is a result)."""
    started_at = now_iso()
    try:
        on_event(StatusEvent(lane, "loading", "preparing model", 0.0))
        load_started = time.perf_counter()
        progress = lambda message, fraction: on_event(StatusEvent(lane, "loading", message, fraction))  # noqa: E731
        loaded = pool.get(spec, settings, progress, loader=loader)
        requested = time.perf_counter()
        lock = contextlib.nullcontext() if settings.batched else loaded.lock
        with lock, Metered(settings) as meter:  # the lock: another lane or session may be generating on it
            # (a batched model's scheduler admits concurrent requests itself)
            return meter.add(generate(loaded, requested, requested - load_started, started_at))
    except Exception as exc:  # a backend never raises into its caller
        on_event(StatusEvent(lane, "error", plain_error(exc)))
        return failed_result(spec, settings, name, plain_error(exc), started_at=started_at)
