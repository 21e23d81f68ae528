"""Comparing lanes (model + settings) on one prompt, one at a time or all at once."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from inference_core.backends import BackendContext, EventSink, create_backend
from inference_core.backends.results import failed_result, plain_error
from inference_core.catalog import ModelReferenceError, resolve_reference
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


@dataclass(frozen=True)
class Lane:
    """One column of a comparison: a model reference and its settings."""

    ref: str
    settings: Settings = field(default_factory=Settings)


def _no_events(_event: TokenEvent | StatusEvent) -> None:
    return None


def engine_for(spec: ModelSpec, settings: Settings) -> str:
    """The backend that runs a spec: endpoints and replays have their own."""
    return {"endpoint": "openai", "replay": "replay"}.get(spec.source, settings.engine)


def run_lane(
    index: int,
    lane: Lane,
    prompt: str,
    context: BackendContext,
    on_event: EventSink = _no_events,
    stop: threading.Event | None = None,
    models: list[ModelSpec] | None = None,
) -> RunResult:
    """Resolve, validate and run one lane; any failure comes back as ``ok=False``."""
    stop = stop or threading.Event()
    spec: ModelSpec | None = None
    try:
        spec = resolve_reference(lane.ref, models)
        if not spec.available:
            raise ModelReferenceError(f"{spec.name} is not available here: {spec.unavailable_reason}")
        request = GenerationRequest(prompt, lane.settings)
        backend = create_backend(engine_for(spec, lane.settings), context)
    except (ValueError, ImportError) as exc:
        message = str(exc) if isinstance(exc, ValueError) else plain_error(exc)
        on_event(StatusEvent(index, "error", message))
        return failed_result(spec, lane.settings, lane.settings.engine, message, model=lane.ref, model_name=lane.ref)
    if spec.source == "replay":  # re-streams a recording: uses no generation slot
        return backend.run(index, spec, request, on_event, stop)
    gate = context.gate
    if not gate.acquire(stop, lambda position: on_event(StatusEvent(index, "waiting", _queue_text(position)))):
        on_event(StatusEvent(index, "stopped", "stopped while queued"))
        return failed_result(spec, lane.settings, backend.name, "stopped while queued", stopped=True)
    try:
        return backend.run(index, spec, request, on_event, stop)
    finally:
        gate.release()


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


class Comparison:
    """A comparison running on a background thread; a UI drains ``events``.

    ``events`` receives TokenEvent / StatusEvent objects and, last, ``None``.
    """

    def __init__(self, prompt: str, lanes: Sequence[Lane], **options: object) -> None:
        self.prompt = prompt
        self.lanes = list(lanes)
        self.events: queue.Queue[TokenEvent | StatusEvent | None] = queue.Queue()
        self.stop_event = threading.Event()
        self.results: list[RunResult] = []
        self.error: str = ""
        self._finished: dict[int, RunResult] = {}
        self._on_result = options.pop("on_result", None)
        self._options = options
        self._thread = threading.Thread(target=self._run, name="comparison", daemon=True)

    def _run(self) -> None:
        try:
            self.results = compare(
                self.prompt,
                self.lanes,
                on_event=self.events.put,
                stop=self.stop_event,
                on_result=self._record,
                **self._options,  # type: ignore[arg-type]
            )
        except Exception as exc:  # reported to the UI, never raised into it
            self.error = plain_error(exc)
        finally:
            self.events.put(None)

    def start(self) -> Comparison:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()

    def _record(self, index: int, result: RunResult) -> None:
        self._finished[index] = result
        if callable(self._on_result):
            self._on_result(index, result)

    def finished_results(self) -> list[RunResult]:
        """Every lane that has finished so far, in lane order (all of them once done)."""
        return self.results or [self._finished[i] for i in sorted(self._finished)]

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()
