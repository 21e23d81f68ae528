"""Backends turn (model, request) into a streamed, measured RunResult.

Every backend implements the :class:`Backend` protocol and registers itself under a
name; the runner picks one by name, never with an if-chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from threading import Event
from typing import Protocol

from inference_core.types import GenerationRequest, ModelSpec, RunResult, StatusEvent, TokenEvent
from inference_core.weights import ModelPool

EventSink = Callable[[TokenEvent | StatusEvent], None]


@dataclass
class BackendContext:
    """What backends may need from their host: the shared model pool, the run history."""

    pool: ModelPool = field(default_factory=ModelPool)
    store_path: Path | None = None
    """The run history database replays read from (None: the default data folder)."""


class Backend(Protocol):
    name: str

    def run(
        self,
        lane: int,
        spec: ModelSpec,
        request: GenerationRequest,
        on_event: EventSink,
        stop: Event,
    ) -> RunResult:
        """Stream one answer; never raises: failures are ``RunResult(ok=False)``."""
        ...


_REGISTRY: dict[str, Callable[[BackendContext], Backend]] = {}


def register_backend(name: str) -> Callable[[type], type]:
    def decorate(cls: type) -> type:
        _REGISTRY[name] = cls
        return cls

    return decorate


def backend_names() -> list[str]:
    _import_builtin_backends()
    return sorted(_REGISTRY)


def create_backend(name: str, context: BackendContext) -> Backend:
    _import_builtin_backends()
    if name not in _REGISTRY:
        raise ValueError(f"unknown engine {name!r}: use one of {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name](context)


def _import_builtin_backends() -> None:
    from inference_core.backends import replay, transformers_backend  # noqa: F401
