"""Comparing lanes (model + settings) on one prompt, one at a time or all at once."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Sequence

from inference_core.backends import BackendContext, EventSink, create_backend, failed_result, plain_error
from inference_core.backends import unavailable_reason as llama_unavailable
from inference_core.models import ModelReferenceError, resolve_reference
from inference_core.runs.jobs import BackgroundJob
from inference_core.runs.lanes import Lane
from inference_core.types import (
    GenerationRequest,
    ModelSpec,
    RunResult,
    Settings,
    StatusEvent,
    TokenEvent,
)

MODES = ("sequential", "race")
MODE_HELP = {
    "sequential": "one lane at a time: each model has the whole machine, so timings are fair",
    "race": "all lanes at once: they share cores and memory bandwidth, like concurrent users",
}
Finalize = Callable[[RunResult], RunResult]


def _no_events(_event: TokenEvent | StatusEvent) -> None:
    return None


def engine_for(spec: ModelSpec, settings: Settings) -> str:
    """The backend that runs a spec: endpoints and replays have their own."""
    return {"endpoint": "openai", "replay": "replay"}.get(spec.source, settings.engine)


def lane_problem(spec: ModelSpec, settings: Settings) -> str:
    """What makes a lane impossible before it runs ("" when nothing does)."""
    if not spec.available:
        return f"{spec.name} is not available here: {spec.unavailable_reason}"
    if settings.batched and spec.source in ("endpoint", "replay"):
        return f"batching=continuous applies to local models; {spec.name} is batched (or not) by its own server"
    if settings.engine == "llama.cpp":
        if spec.source in ("endpoint", "replay"):
            return f"engine=llama.cpp applies to local models; {spec.name} runs elsewhere"
        if spec.source not in ("packaged", "gguf"):
            return f"llama.cpp needs a GGUF file; {spec.name} is a {spec.source} model (use a gguf: reference)"
        return llama_unavailable()
    if settings.device == "cuda" and spec.source not in ("endpoint", "replay") and not _cuda():
        return "device=cuda was asked for, but this machine has no CUDA GPU (use device=cpu)"
    return ""


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def pinned_if_shape(spec: ModelSpec, settings: Settings) -> Settings:
    """Random weights end anywhere: a shape-only model always generates its full output length."""
    if spec.weights == "random":
        return settings.replace(min_new_tokens=settings.max_new_tokens)
    return settings


def run_lane(
    index: int,
    lane: Lane,
    prompt: str,
    context: BackendContext,
    on_event: EventSink = _no_events,
    stop: threading.Event | None = None,
    models: list[ModelSpec] | None = None,
    gated: bool = True,
) -> RunResult:
    """Resolve, validate and run one lane; any failure comes back as ``ok=False``.

    ``gated``: wait for a slot in the operator's generation queue (off for the requests of a job
    that was admitted as a whole, such as a traffic level)."""
    stop = stop or threading.Event()
    spec: ModelSpec | None = None
    try:
        spec = resolve_reference(lane.ref, models)
        problem = lane_problem(spec, lane.settings)
        if problem:
            raise ModelReferenceError(problem)
        request = GenerationRequest(prompt, pinned_if_shape(spec, lane.settings))
        backend = create_backend(engine_for(spec, lane.settings), context)
    except (ValueError, ImportError) as exc:
        message = str(exc) if isinstance(exc, ValueError) else plain_error(exc)
        on_event(StatusEvent(index, "error", message))
        return failed_result(spec, lane.settings, lane.settings.engine, message, model=lane.ref, model_name=lane.ref)
    if spec.source == "replay":  # re-streams a recording: it uses no generation slot and no energy here
        return backend.run(index, spec, request, on_event, stop)
    gate = context.gate
    if gated and not gate.acquire(
        stop, lambda position: on_event(StatusEvent(index, "waiting", _queue_text(position)))
    ):
        on_event(StatusEvent(index, "stopped", "stopped while queued"))
        return failed_result(spec, lane.settings, backend.name, "stopped while queued", stopped=True)
    try:
        return _metered(spec, request, lambda: backend.run(index, spec, request, on_event, stop))
    finally:
        if gated:
            gate.release()


def _metered(spec: ModelSpec, request: GenerationRequest, run: Callable[[], RunResult]) -> RunResult:
    """A local run meters its own generation's energy (backends.results.run_loaded); an endpoint's is
    spent on another machine."""
    if spec.source == "endpoint":
        return run().replace(energy_method="not measured: the model runs on the endpoint's machine")
    return run()


def _queue_text(position: int) -> str:
    return "next in the queue" if position == 1 else f"in the queue: position {position}"


def _unstarted(lane: Lane, models: list[ModelSpec] | None) -> RunResult:
    """The result of a lane that a stop reached before it began."""
    try:
        spec: ModelSpec | None = resolve_reference(lane.ref, models)
    except ModelReferenceError:
        spec = None
    return failed_result(spec, lane.settings, lane.settings.engine, "stopped before it started",
                         model=lane.ref, model_name=lane.ref, stopped=True)  # fmt: skip


def _unload(ref: str, context: BackendContext, models: list[ModelSpec] | None) -> None:
    with contextlib.suppress(ModelReferenceError):  # a lane that never resolved loaded nothing
        context.pool.unload(resolve_reference(ref, models).key)


def compare(
    prompt: str,
    lanes: Sequence[Lane],
    *,
    context: BackendContext,
    mode: str = "sequential",
    on_event: EventSink = _no_events,
    stop: threading.Event | None = None,
    models: list[ModelSpec] | None = None,
    finalize: Finalize | None = None,
    on_result: Callable[[int, RunResult], None] | None = None,
    unload_after: bool = False,
) -> list[RunResult]:
    """Run every lane on the prompt; results come back in lane order.

    ``finalize`` post-processes each result (pricing); ``on_result`` sees each lane as it
    finishes (saving), so a crash loses at most the lanes in flight. ``unload_after``
    (sequential mode) unloads each model once no later lane needs it, so a comparison
    larger than memory still completes.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    stop = stop or threading.Event()
    results: list[RunResult | None] = [None] * len(lanes)

    def work(index: int) -> None:
        lane = lanes[index]
        try:
            if stop.is_set():
                on_event(StatusEvent(index, "stopped", "stopped before it started"))
                result = _unstarted(lane, models)
            else:
                result = run_lane(index, lane, prompt, context, on_event, stop, models)
            if finalize is not None:
                result = finalize(result)
        except Exception as exc:  # a bad lane fails alone: never a missing result
            result = failed_result(None, lane.settings, lane.settings.engine, plain_error(exc),
                                   model=lane.ref, model_name=lane.ref)  # fmt: skip
            on_event(StatusEvent(index, "error", result.error))
        results[index] = result
        if on_result is not None:
            on_result(index, result)

    if mode == "sequential":
        for index in range(len(lanes)):
            work(index)
            if unload_after and all(lane.ref != lanes[index].ref for lane in lanes[index + 1 :]):
                _unload(lanes[index].ref, context, models)
    else:
        threads = [threading.Thread(target=work, args=(i,), name=f"lane-{i}", daemon=True) for i in range(len(lanes))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return [r for r in results if r is not None]  # every lane has one: work() never leaves a gap


class Comparison(BackgroundJob[TokenEvent | StatusEvent]):
    """A comparison on a background thread; ``events`` gets every TokenEvent / StatusEvent, then None."""

    def __init__(
        self,
        prompt: str,
        lanes: Sequence[Lane],
        *,
        context: BackendContext,
        mode: str = "sequential",
        finalize: Finalize | None = None,
        on_result: Callable[[int, RunResult], None] | None = None,
        unload_after: bool = False,
        models: list[ModelSpec] | None = None,
    ) -> None:
        super().__init__("comparison")
        self.prompt = prompt
        self.lanes = list(lanes)
        self.results: list[RunResult] = []
        self._finished: dict[int, RunResult] = {}
        self._on_result = on_result
        self._run = functools.partial(compare, prompt, self.lanes, context=context, mode=mode, finalize=finalize,
                                      unload_after=unload_after, models=models)  # fmt: skip

    def work(self) -> None:
        self.results = self._run(on_event=self.events.put, stop=self.stop_event, on_result=self._record)

    def _record(self, index: int, result: RunResult) -> None:
        self._finished[index] = result
        if self._on_result is not None:
            self._on_result(index, result)

    def finished_results(self) -> list[RunResult]:
        """Every lane that has finished so far, in lane order (all of them once done)."""
        return self.results or [self._finished[i] for i in sorted(self._finished)]
