"""Backends turn (model, request) into a streamed, measured RunResult: transformers, an
OpenAI-compatible HTTP endpoint, and replays of saved runs. The registry is the door."""

from __future__ import annotations

from inference_core import lazy_face

_FACE = {
    "registry": ("Backend", "BackendContext", "EventSink", "HttpLimits", "create_backend", "register_backend"),
    "llama_cpp_backend": ("unavailable_reason",),
    "results": (
        "failed_result",
        "plain_error",
    ),
    "transformers_backend": ("token_pieces",),
    "replay": ("REPLAY_SPEEDS",),
}
__all__, __getattr__ = lazy_face(__name__, _FACE)
