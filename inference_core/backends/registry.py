"""The backend registry: the Backend protocol, what backends get from their host, and lookup by name.

Every backend implements :class:`Backend` and registers itself under a name; the runner
picks one by name, never with an if-chain. Built-in backends are imported on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from threading import Event
from typing import Any, Protocol

from inference_core.models import KeyRing, ModelPool
from inference_core.operator import GenerationGate
from inference_core.types import GenerationRequest, ModelSpec, RunResult, StatusEvent, TokenEvent

EventSink = Callable[[TokenEvent | StatusEvent], None]


@dataclass(frozen=True)
class HttpLimits:
    """Timeouts for HTTP endpoints, in seconds."""

    connect_s: float = 5.0
    read_s: float = 30.0
    """Longest wait for the next bytes of a stream."""
    deadline_s: float = 300.0
    """Longest a whole request may take, however the server trickles."""
    retries: int = 1
    max_output_factor: float = 2.0
    """A stream is cut after this many times the requested tokens (plus 16): an endless server ends."""
    max_token_bytes: int | None = None
    """A stream is cut at a chunk longer than this (UTF-8 bytes); None: no cap (the Engine sets the operator's)."""
    max_answer_bytes: int | None = None
    """A stream is cut when its answer grows past this (UTF-8 bytes); None: no cap (the Engine sets the operator's)."""

    def __post_init__(self) -> None:
        for name in ("connect_s", "read_s", "deadline_s"):
            value = getattr(self, name)
            if not 0 < value <= 86_400:
                raise ValueError(f"{name} must be between 0 and 86400 seconds, got {value}")
        if not 0 <= self.retries <= 5:
            raise ValueError(f"retries must be between 0 and 5, got {self.retries}")


@dataclass
class BackendContext:
    """What backends may need from their host: models, history, endpoint keys and limits.

    The pool is shared by every session; keys are per session (a copy of the context
    with the session's KeyRing), never cached across sessions.
    """

    pool: ModelPool = field(default_factory=ModelPool)
    store_path: Path | Any = None
    """The run history replays read from: a SQLite file or a database URL (None: the configured one)."""
    keys: KeyRing = field(default_factory=KeyRing)
    allow_private_endpoints: bool | None = None
    """None: the operator setting from the environment."""
    http: HttpLimits = field(default_factory=HttpLimits)
    gate: GenerationGate = field(default_factory=GenerationGate)
    """The operator's cap on concurrent generations, shared by every session (no cap by default)."""


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

    def count_tokens(self, spec: ModelSpec, prompt: str) -> int:
        """Tokens this model reads for the prompt (its chat template included); ValueError when it cannot tell."""
        ...


_REGISTRY: dict[str, Callable[[BackendContext], Backend]] = {}
BUILTIN_BACKENDS = (
    "inference_core.backends.transformers_backend",
    "inference_core.backends.openai_http",
    "inference_core.backends.replay",
    "inference_core.backends.llama_cpp_backend",
)


def register_backend(name: str) -> Callable[[type], type]:
    def decorate(cls: type) -> type:
        _REGISTRY[name] = cls
        return cls

    return decorate


def create_backend(name: str, context: BackendContext) -> Backend:
    _import_builtin_backends()
    if name not in _REGISTRY:
        raise ValueError(f"unknown engine {name!r}: use one of {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name](context)


def _import_builtin_backends() -> None:
    """Import the built-in backends on first use (transformers is slow to import); each registers itself."""
    for module in BUILTIN_BACKENDS:
        importlib.import_module(module)
