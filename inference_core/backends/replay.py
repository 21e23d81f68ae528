"""Replaying a saved run: its tokens re-streamed at their recorded times (1x, 2x or instant).

A demo then works on a machine without the model. The result carries the recorded
figures (it is a replay of a measurement, not a new one) and says so in its notes.
"""

from __future__ import annotations

import time
from threading import Event

from inference_core.backends.registry import BackendContext, EventSink, register_backend
from inference_core.backends.results import failed_result
from inference_core.types import GenerationRequest, ModelSpec, RunResult, StatusEvent, TokenEvent

REPLAY_SPEEDS = {"1x": 1.0, "2x": 2.0, "instant": 0.0}
"""How fast a replay re-streams its recorded tokens (0: all at once)."""


def parse_location(location: str) -> tuple[str, int, str]:
    """``RUN_ID/LANE[@SPEED]`` -> (run id, lane, speed)."""
    target, _, speed = location.partition("@")
    run_id, _, lane = target.partition("/")
    return run_id, int(lane), speed or "1x"


def _wait_until(deadline: float, stop: Event) -> None:
    """Sleep until ``deadline`` (perf_counter), waking early on stop; spin the last 2 ms."""
    remaining = deadline - time.perf_counter()
    if remaining > 0.002 and stop.wait(remaining - 0.002):
        return
    while time.perf_counter() < deadline and not stop.is_set():
        pass


@register_backend("replay")
class ReplayBackend:
    name = "replay"

    def __init__(self, context: BackendContext) -> None:
        self._store_path = context.store_path

    def count_tokens(self, spec: ModelSpec, prompt: str) -> int:
        raise ValueError(f"{spec.name}: a replay re-streams a recording and has no tokenizer")

    def run(
        self,
        lane: int,
        spec: ModelSpec,
        request: GenerationRequest,
        on_event: EventSink,
        stop: Event,
    ) -> RunResult:
        from inference_core.history import StoreError, history_url, open_store

        run_id, lane_number, speed = parse_location(spec.location)
        try:
            recorded = open_store(history_url(self._store_path)).get_lane(run_id, lane_number)
        except StoreError as exc:
            on_event(StatusEvent(lane, "error", str(exc)))
            return failed_result(spec, request.settings, self.name, str(exc))
        if recorded is None or not recorded.ok:
            message = f"run {run_id} lane {lane_number}: " + ("not in the history" if recorded is None
                                                             else f"recorded an error: {recorded.error}")  # fmt: skip
            on_event(StatusEvent(lane, "error", message))
            return failed_result(spec, request.settings, self.name, message)
        pieces = recorded.token_texts or (recorded.text,)
        times = recorded.token_times_s if recorded.token_texts else (recorded.e2e_s or 0.0,)
        factor = REPLAY_SPEEDS[speed]
        on_event(StatusEvent(lane, "prefill", f"replaying a run recorded {recorded.started_at} at {speed}"))
        start = time.perf_counter()
        emitted = 0
        for index, (offset, piece) in enumerate(zip(times, pieces, strict=False)):
            if factor:
                _wait_until(start + offset / factor, stop)
            if stop.is_set():
                break
            if index == 0:
                on_event(StatusEvent(lane, "decoding"))
            now = time.perf_counter()
            on_event(TokenEvent(lane, index, -1, piece, now, now - start))
            emitted += 1
        stopped = emitted < len(pieces)
        on_event(StatusEvent(lane, "stopped" if stopped else "done"))
        note = f"replay at {speed} of run {run_id} lane {lane_number}; figures are the recorded ones"
        return recorded.replace(
            model_name=f"{recorded.model_name} (replay)",
            backend=self.name,
            stopped=stopped,
            text="".join(pieces[:emitted]) if stopped else recorded.text,
            notes=(*recorded.notes, note),
        )
