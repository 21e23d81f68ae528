"""Process-wide resources, shared by every session through ``st.cache_resource``.

The model pool is read-only to sessions: each loaded model carries its own lock, and the
pool loads a cold model once however many sessions ask for it.
"""

from __future__ import annotations

import streamlit as st

from inference_core.backends import BackendContext
from inference_core.catalog import builtin_models
from inference_core.store import RunStore
from inference_core.types import ModelSpec


@st.cache_resource(show_spinner=False)
def run_store() -> RunStore:
    """The run history (``$INFERENCE_LENS_DATA``); one per server, connections per call."""
    return RunStore()


@st.cache_resource(show_spinner=False)
def backend_context() -> BackendContext:
    return BackendContext(store_path=run_store().path)


@st.cache_data(ttl=300, show_spinner=False)
def catalog() -> list[ModelSpec]:
    return builtin_models()
