"""Models: the catalog and references, weights and their pool, shapes, memory estimates, hub and local
paths, endpoints, prompts and the fused decoder.

The names below are the wing's public face; its modules are private to it (other wings import from here)."""

from __future__ import annotations

from inference_core import lazy_face

_FACE = {
    "catalog": (
        "DEFAULT_MODELS",
        "ModelReferenceError",
        "builtin_models",
        "resolve_reference",
    ),
    "endpoints": (
        "CheckedUrl",
        "Endpoint",
        "EndpointError",
        "KeyRing",
        "Secret",
        "allow_private_default",
        "check_base_url",
        "operator_endpoints",
    ),
    "sizing": (
        "AdmissionError",
        "CONTEXT_TOKENS",
        "COMMUNITY_CLOUD_MB",
        "Estimate",
        "OVERHEAD_MB",
        "available_memory_mb",
        "estimate",
        "ladder",
        "ladder_fits",
        "load_config",
        "verdict",
    ),
    "status": (
        "LoadedInfo",
        "ModelStatus",
        "inventory",
        "loaded_models",
    ),
    "paths": (
        "is_converted",
        "locate_gguf",
    ),
    "prompts": (
        "COMPLETION_NOTE",
        "EXAMPLES",
        "EXAMPLE_TOKENS",
        "answer_ended",
        "completion_prompt",
        "document_prompt",
        "trim_answer",
    ),
    "shapes": ("NOTICE",),
    "weights": (
        "LoadedModel",
        "ModelPool",
        "Progress",
        "clear_converted",
    ),
    "user_files": (
        "UserFileError",
        "read_user_file",
        "size_text",
    ),
}
__all__, __getattr__ = lazy_face(__name__, _FACE)
