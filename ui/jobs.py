"""Background jobs (a comparison, a sweep) that outlive the script run that started them.

A click during a run stops the script at its next element; the next run collects the
job here: it is stopped, given a moment to finish its current step, and returned so the
page can keep everything it produced.
"""

from __future__ import annotations

from typing import Protocol

import streamlit as st


class Job(Protocol):
    def stop(self) -> None: ...

    def join(self, timeout: float | None = None) -> bool: ...


def collect(key: str, wait_s: float = 3.0) -> Job | None:
    """Pop the session's job under ``key``, stop it and wait up to ``wait_s``; None if there was none."""
    job: Job | None = st.session_state.pop(key, None)
    if job is not None:
        job.stop()
        job.join(timeout=wait_s)
    return job
