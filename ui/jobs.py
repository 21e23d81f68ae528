"""The life cycle of a background job (a comparison, a sweep) on a page.

A click during a run stops the script at its next element; the next run collects the
job: it is stopped, given a moment to finish its current step, and handed to the page's
``keep`` callback so nothing it produced is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import streamlit as st

from ui.text import notice


class Job(Protocol):
    error: str

    def start(self) -> Any: ...

    def stop(self) -> None: ...

    def join(self, timeout: float | None = None) -> bool: ...


def collect(key: str, keep: Callable[[Any], None] = lambda job: None, wait_s: float = 3.0) -> bool:
    """Stop the session's job under ``key``, if any, keep what it produced; True when there was one."""
    job: Job | None = st.session_state.pop(key, None)
    if job is None:
        return False
    job.stop()
    job.join(timeout=wait_s)
    keep(job)
    return True


def watch(key: str, job: Job, view: Callable[[Any], object]) -> None:
    """Start ``job``, keep it under ``key`` for the next run to collect, and show it with ``view``.

    A click interrupts ``view``; the job is then told to stop at once."""
    st.session_state[key] = job.start()
    try:
        view(job)
    finally:
        job.stop()


def run_job(key: str, job: Job, view: Callable[[Any], object], what: str, keep: Callable[[Any], None]) -> None:
    """Watch ``job`` until it ends or a click interrupts, then keep its output.

    A job that ended by itself reruns the page to draw its results, or shows why it failed."""
    watch(key, job, view)
    collect(key, keep)
    if job.error:
        notice("error", f"The {what} failed: {job.error}")
    else:
        st.rerun()


def report_save_errors(errors: list[str]) -> None:
    for message in errors:
        notice("warning", f"Not saved to the history: {message}")
    if errors:
        st.caption("The results on this page are kept for this session: download them as CSV or JSON below.")
