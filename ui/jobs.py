"""Background jobs (a comparison, a sweep) that outlive the script run that started them.

A click during a run stops the script at its next element; the next run collects the
job here: it is stopped, given a moment to finish its current step, and returned so the
page can keep everything it produced.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import streamlit as st

from ui.text import notice


class Job(Protocol):
    def start(self) -> Any: ...

    def stop(self) -> None: ...

    def join(self, timeout: float | None = None) -> bool: ...


def watch(key: str, job: Job, view: Callable[[Any], object]) -> None:
    """Start ``job``, keep it under ``key`` for the next run to collect, and show it with ``view``.

    A click interrupts ``view``; the job is then told to stop at once.
    """
    st.session_state[key] = job.start()
    try:
        view(job)
    finally:
        job.stop()


def finish(job: Any, what: str) -> None:
    """After a watched job ended by itself: show why it failed, or rerun to draw its results."""
    if job.error:
        notice("error", f"The {what} failed: {job.error}")
    else:
        st.rerun()


def report_save_errors(errors: list[str]) -> None:
    for message in errors:
        notice("warning", f"Not saved to the history: {message}")


def collect(key: str, wait_s: float = 3.0) -> Job | None:
    """Pop the session's job under ``key``, stop it and wait up to ``wait_s``; None if there was none."""
    job: Job | None = st.session_state.pop(key, None)
    if job is not None:
        job.stop()
        job.join(timeout=wait_s)
    return job
