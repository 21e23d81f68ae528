"""Operator settings of a shared deployment, and the cap on concurrent generations.

Each setting is ``INFERENCE_LENS_<NAME>`` in the environment, or ``<name>`` under an
``[inference_lens]`` table in Streamlit secrets (secrets win). Defaults keep a local run
as it always was: no cap on generations, every reference kind allowed.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ENV_PREFIX = "INFERENCE_LENS_"
SECRETS_TABLE = "inference_lens"
REFERENCE_KINDS = ("catalog", "hf", "local", "gguf", "openai", "replay")
ReferenceKind = Literal["catalog", "hf", "local", "gguf", "openai", "replay"]


class OperatorError(ValueError):
    """An operator setting that cannot be read; the message names it."""

    for_user = True


class OperatorSettings(BaseModel):
    """What visitors of this deployment may do. Field names are the setting names."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    allow_private_endpoints: bool = False
    """Endpoints on loopback and private networks (a local vLLM or Ollama)."""
    allowed_references: tuple[ReferenceKind, ...] = REFERENCE_KINDS
    """Which kinds of model reference visitors may use in a lane."""
    max_prompt_chars: int = Field(400_000, ge=1)
    max_new_tokens: int = Field(4096, ge=1)
    max_lanes: int = Field(6, ge=1, le=64)
    max_repeats: int = Field(20, ge=1)
    max_token_bytes: int = Field(2**20, ge=1, le=2**30)
    """The longest token an endpoint may stream (UTF-8 bytes): a longer chunk ends the lane, keeping what came first."""
    max_answer_bytes: int = Field(4 * 2**20, ge=1, le=2**30)
    """The longest answer an endpoint may stream (UTF-8 bytes): past it, the lane ends, keeping what came before."""
    max_concurrent_generations: int = Field(0, ge=0)
    """0: no cap. Otherwise lanes beyond the cap wait in a queue that shows their position."""
    operator_actions: bool = False
    """Server-wide actions on the Models page (unload models, clear caches, keep catalog entries for everyone)."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    """What the engine logs to the server's standard error (INFO: every model load)."""

    @field_validator("allowed_references", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @staticmethod
    def names() -> list[str]:
        return list(OperatorSettings.model_fields)


def _raw_settings(secrets: Mapping[str, Any] | None) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for name in OperatorSettings.names():
        value = os.environ.get(ENV_PREFIX + name.upper())
        if value is not None and value.strip() != "":
            raw[name] = value.strip()
    secrets = secrets or {}
    legacy = secrets.get(ENV_PREFIX + "ALLOW_PRIVATE_ENDPOINTS")
    if legacy is not None:
        raw["allow_private_endpoints"] = legacy
    table = secrets.get(SECRETS_TABLE) or {}
    if not isinstance(table, Mapping):
        raise OperatorError(f"[{SECRETS_TABLE}] in the secrets must be a table")
    raw.update(dict(table))
    return raw


def operator_settings(secrets: Mapping[str, Any] | None = None) -> OperatorSettings:
    """The deployment's settings; OperatorError names a bad one."""
    try:
        return OperatorSettings.model_validate(_raw_settings(secrets))
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "settings"
        raise OperatorError(f"operator setting {ENV_PREFIX}{name.upper()}: {error['msg']}") from None


def reference_kind(ref: str, catalog_keys: Sequence[str]) -> str:
    """``catalog`` for a catalog key, else the reference's scheme (``hf``, ``openai``, ...)."""
    ref = ref.strip()
    if ref in catalog_keys:
        return "catalog"
    scheme, sep, _ = ref.partition(":")
    return scheme if sep else "catalog"


class LimitError(ValueError):
    """A request past the operator's limits; the message names the setting and its limit."""

    for_user = True


def _over(name: str, what: str, limit: int | str) -> str:
    return f"{what}; this deployment allows at most {limit} ({name}, {ENV_PREFIX}{name.upper()})"


def request_problems(
    settings: OperatorSettings,
    prompt: str,
    lanes: Sequence[tuple[str, int]],
    catalog_keys: Sequence[str],
    repeats: int = 1,
) -> list[str]:
    """Why a visitor's request exceeds the operator's limits (empty when it does not); each names the setting.

    ``lanes`` are (reference, max_new_tokens) pairs."""
    problems = []
    if len(prompt) > settings.max_prompt_chars:
        problems.append(_over("max_prompt_chars", f"the prompt has {len(prompt):,} characters",
                              f"{settings.max_prompt_chars:,}"))  # fmt: skip
    if len(lanes) > settings.max_lanes:
        problems.append(_over("max_lanes", f"{len(lanes)} lanes", settings.max_lanes))
    if repeats > settings.max_repeats:
        problems.append(_over("max_repeats", f"{repeats} repeats", settings.max_repeats))
    for number, (ref, max_new_tokens) in enumerate(lanes, start=1):
        kind = reference_kind(ref, catalog_keys)
        if kind not in settings.allowed_references:
            problems.append(f"lane {number}: {kind} references are not allowed on this deployment "
                            f"(allowed_references: {', '.join(settings.allowed_references)})")  # fmt: skip
        if max_new_tokens > settings.max_new_tokens:
            problems.append(_over("max_new_tokens", f"lane {number}: {max_new_tokens} new tokens",
                                  settings.max_new_tokens))  # fmt: skip
    return problems


class GenerationGate:
    """At most ``capacity`` generations at once (0: no cap), first come first served.

    A waiting lane hears its queue position (1 = next) each time it changes, and leaves
    the queue when its stop event is set.
    """

    def __init__(self, capacity: int = 0) -> None:
        self.capacity = capacity
        self._running = 0
        self._queue: deque[object] = deque()
        self._changed = threading.Condition()

    def acquire(self, stop: threading.Event, on_position: Callable[[int], None]) -> bool:
        """Wait for a slot; False when stopped first."""
        if not self.capacity:
            return True
        ticket = object()
        with self._changed:
            self._queue.append(ticket)
            told = 0
            while not (self._queue[0] is ticket and self._running < self.capacity):
                position = self._queue.index(ticket) + 1
                if position != told:
                    told = position
                    on_position(position)
                self._changed.wait(0.1)
                if stop.is_set():
                    self._queue.remove(ticket)
                    self._changed.notify_all()
                    return False
            self._queue.popleft()
            self._running += 1
            self._changed.notify_all()
            return True

    def release(self) -> None:
        if not self.capacity:
            return
        with self._changed:
            self._running -= 1
            self._changed.notify_all()

    def waiting(self) -> int:
        with self._changed:
            return len(self._queue)
