"""Work that outlives the request that started it: a comparison, a sweep.

A job runs on a daemon thread and reports through ``events`` (its own event type, then
``None`` when it ends); ``stop`` asks it to end early, ``error`` holds why it failed.
A UI drains ``events``; a CLI can call the work directly.
"""

from __future__ import annotations

import queue
import threading
from typing import Generic, Self, TypeVar

from inference_core.backends import plain_error

Event = TypeVar("Event")


class BackgroundJob(Generic[Event]):
    """The thread, queue, stop and error handling every background job shares."""

    def __init__(self, name: str) -> None:
        self.events: queue.Queue[Event | None] = queue.Queue()
        self.stop_event = threading.Event()
        self.error = ""
        self._thread = threading.Thread(target=self._run_safely, name=name, daemon=True)

    def work(self) -> None:
        """The job itself; put progress into ``self.events``."""
        raise NotImplementedError

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout``; True when the job has ended."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run_safely(self) -> None:
        try:
            self.work()
        except Exception as exc:  # reported to the UI, never raised into it
            self.error = plain_error(exc)
        finally:
            self.events.put(None)
