"""Backends turn (model, request) into a streamed, measured RunResult: transformers, an
OpenAI-compatible HTTP endpoint, and replays of saved runs. The registry is the door."""

from __future__ import annotations

from inference_core.backends.registry import (
    Backend,
    BackendContext,
    EventSink,
    HttpLimits,
    create_backend,
    register_backend,
)

__all__ = ["Backend", "BackendContext", "EventSink", "HttpLimits", "create_backend", "register_backend"]
