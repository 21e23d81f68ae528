"""Locating weights, converting GGUF once to cached safetensors, loading, and a model pool.

A GGUF load dequantizes every tensor in Python (tens of seconds on two cores), so the
first load of a GGUF model saves the float weights as safetensors under the cache
folder; later loads read those in well under two seconds.
"""

from __future__ import annotations

import gc
import logging
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inference_core.measure import rss_mb, tensor_bytes
from inference_core.models.catalog import hub_cached, shapes_tokenizer_spec
from inference_core.models.construction import BUILD_LOCK
from inference_core.models.fused_decoder import FusedDecoder, fusable
from inference_core.models.hub import download
from inference_core.models.paths import COMPLETE_MARKER, cache_root, converted_dir, is_converted, locate_gguf
from inference_core.models.shapes import build_shape_model
from inference_core.models.sizing import admit
from inference_core.models.tokenizer_files import load_saved_tokenizer
from inference_core.types import ModelSpec, Settings

logger = logging.getLogger(__name__)
Progress = Callable[[str, float | None], None]
"""progress(stage message, fraction done or None)."""


def _no_progress(_stage: str, _fraction: float | None) -> None:
    return None


def _drop_gguf_marker(model: Any) -> None:
    """After a GGUF load the weights are plain tensors; unmark them so they can be saved."""
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config


def convert_gguf(spec: ModelSpec, progress: Progress = _no_progress) -> Path:
    """Dequantize a GGUF model once and cache it as safetensors; returns the folder."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    target = converted_dir(spec)
    if is_converted(spec):
        return target
    progress("locating GGUF file", 0.0)
    gguf = locate_gguf(spec)
    progress(f"converting {gguf.name} to safetensors (first load only)", 0.1)
    with BUILD_LOCK:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    _drop_gguf_marker(model)
    progress("writing converted weights", 0.8)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        (staging / COMPLETE_MARKER).write_text(str(gguf), encoding="utf-8")
        staging.chmod(0o755)  # mkdtemp makes it private; the cache is shared
        if target.exists():  # an incomplete earlier attempt
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    progress("converted", 0.9)
    return target


def clear_converted(spec: ModelSpec) -> bool:
    """Delete a spec's converted cache; True when something was removed."""
    target = converted_dir(spec)
    if not target.exists():
        return False
    shutil.rmtree(target)
    return True


@dataclass
class LoadedModel:
    """A loaded model and tokenizer; ``lock`` guards generation and tokenization."""

    spec: ModelSpec
    settings_key: tuple[str, ...]
    model: Any
    tokenizer: Any
    weights_mb: float
    load_s: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    compile_s: float | None = None
    """Seconds torch.compile took at load (its warm-up generations), apart from every measured run."""
    batcher: Any = None
    """The continuous-batching scheduler of a ``batching=continuous`` model, started by its first request."""
    decoder: Any = None
    """The fused decode loop over this model's weights (``fused_decoder.FusedDecoder``), where it runs."""
    decoder_problem: str = ""
    """Why there is no fused decoder (runs then use transformers' ``generate`` loop)."""

    def close(self) -> None:
        """Stop what runs beside the model (its batching scheduler)."""
        if self.batcher is not None:
            self.batcher.close()


def _shapes_tokenizer_folder(progress: Progress) -> str:
    """SmolLM2's tokenizer for shape-only models: the packaged model's, else the hub repository's."""
    spec = shapes_tokenizer_spec()
    if spec.source == "packaged":
        return str(convert_gguf(spec, progress))
    return spec.location  # AutoTokenizer fetches only the tokenizer files from the hub (Community Cloud)


def _weights_folder(spec: ModelSpec, progress: Progress, cancel: threading.Event | None) -> tuple[str, dict[str, Any]]:
    """Where from_pretrained reads a spec's weights, and the keyword arguments for it."""
    if spec.source in ("packaged", "gguf"):
        return str(convert_gguf(spec, progress)), {}
    if spec.source == "local":
        return spec.location, {}
    if spec.source == "hub":
        if hub_cached(spec.location, spec.revision):  # already in the Hugging Face cache
            return spec.location, {"revision": spec.revision, "use_safetensors": True, "local_files_only": True}
        return str(download(spec, progress, cancel)), {"use_safetensors": True}
    raise ValueError(f"{spec.key}: source {spec.source!r} is not loaded with transformers")


def load_model(
    spec: ModelSpec, settings: Settings, progress: Progress = _no_progress, cancel: threading.Event | None = None
) -> LoadedModel:
    """Load a model for the given dtype / quantization / device. Raises on failure.

    ``cancel`` stops a hub download (nothing half-written is kept)."""
    import torch
    from transformers import AutoModelForCausalLM
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # progress goes through ``progress`` instead

    if settings.load.device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device=cuda was asked for but no CUDA GPU is available")
    started = time.perf_counter()
    progress("checking that it fits in memory", 0.0)
    admit(spec, settings)
    if spec.source == "shape":
        tokenizer_folder = _shapes_tokenizer_folder(progress)
        progress(f"building the architecture with random weights ({settings.load.dtype})", 0.92)
    else:
        folder, kwargs = _weights_folder(spec, progress, cancel)
        progress(f"loading weights ({settings.load.dtype})", 0.92)
    with BUILD_LOCK:
        if spec.source == "shape":
            tokenizer = _tokenizer(tokenizer_folder, {})
            model = build_shape_model(spec, settings.load.dtype, settings.load.attention)
        else:
            tokenizer = _tokenizer(folder, kwargs)
            model = AutoModelForCausalLM.from_pretrained(
                folder, dtype=getattr(torch, settings.load.dtype), attn_implementation=settings.load.attention,
                trust_remote_code=False, **kwargs,
            ).eval()  # fmt: skip
        _check_materialized(model, spec)
        _touch_weights(model)
        if settings.load.quantize == "int8":
            progress("quantizing Linear layers to int8", 0.97)
            with warnings.catch_warnings():  # deprecated in favour of torchao, still the fastest on CPU here
                warnings.simplefilter("ignore", (DeprecationWarning, UserWarning))
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        decoder, decoder_problem = _fused_decoder(model, settings)
    if settings.load.device == "cuda":
        model = model.to("cuda")
    compile_s = _compile(model, tokenizer, settings, progress) if settings.load.compile else None
    progress("ready", 1.0)
    loaded = LoadedModel(
        compile_s=compile_s,
        decoder=decoder,
        decoder_problem=decoder_problem,
        spec=spec,
        settings_key=settings.load_key,
        model=model,
        tokenizer=tokenizer,
        weights_mb=tensor_bytes(model) / 2**20,
        load_s=time.perf_counter() - started,
    )
    logger.info("loaded %s (%s) in %.1f s, %.0f MB", spec.key, "/".join(settings.load_key), loaded.load_s,
                loaded.weights_mb)  # fmt: skip
    return loaded


def _fused_decoder(model: Any, settings: Settings) -> tuple[FusedDecoder | None, str]:
    """The fused decode loop for an unquantized, uncompiled float32 CPU model with sdpa attention, or why not."""
    if settings.load.decoder != "fused" or (settings.load.cache, settings.load.batching) != ("dynamic", "none"):
        return None, ""  # what people run: transformers' model as it loads
    if not settings.fusable:
        return None, "the fused decoder runs float32 weights on the CPU with sdpa attention, uncompiled"
    problem = fusable(model)
    return (None, problem) if problem else (FusedDecoder(model), "")


def _tokenizer(folder: str, kwargs: dict[str, Any]) -> Any:
    """The converted cache's tokenizer straight from its file; any other folder through ``AutoTokenizer``."""
    from transformers import AutoTokenizer

    if Path(folder).parent == cache_root() / "converted":
        return load_saved_tokenizer(folder)
    return AutoTokenizer.from_pretrained(folder, trust_remote_code=False, **kwargs)


def _compile(model: Any, tokenizer: Any, settings: Settings, progress: Progress) -> float:
    """torch.compile the forward pass and run two short generations so compiling happens now, timed."""
    import torch

    progress("compiling with torch.compile (minutes on a small CPU; timed apart)", 0.97)
    started = time.perf_counter()
    model.forward = torch.compile(model.forward, dynamic=False)
    ids = torch.tensor([[tokenizer.bos_token_id or tokenizer.eos_token_id or 0] * 4])
    with torch.inference_mode():
        for _ in range(2):
            model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=4, min_new_tokens=4,
                           do_sample=False, cache_implementation="static")  # fmt: skip
    return time.perf_counter() - started


def _check_materialized(model: Any, spec: ModelSpec) -> None:
    """A model with weights left on the meta device has no data: refuse it (never pooled)."""
    empty = [name for name, tensor in model.state_dict().items() if getattr(tensor, "is_meta", False)]
    if empty:
        raise RuntimeError(f"{spec.name} loaded without data for {len(empty)} tensor(s) (first: {empty[0]})")


def _touch_weights(model: Any) -> None:
    """Read every weight once, so memory-mapped pages count as loaded now, not mid-run."""
    import torch

    with torch.no_grad():
        for tensor in model.state_dict().values():
            if isinstance(tensor, torch.Tensor) and tensor.numel():
                tensor.reshape(-1)[:: max(1, 4096 // tensor.element_size())].sum()


class ModelPool:
    """Loaded models keyed by (model, the settings' load key), loaded once (single-flight).

    Thread-safe: many threads asking for the same cold model wait for one load.
    """

    def __init__(self, loader: Callable[..., LoadedModel] = load_model) -> None:
        self._loader = loader
        self._models: dict[tuple[str, tuple[str, ...]], LoadedModel] = {}
        self._key_locks: dict[tuple[str, tuple[str, ...]], threading.Lock] = {}
        self._guard = threading.Lock()

    def get(
        self,
        spec: ModelSpec,
        settings: Settings,
        progress: Progress = _no_progress,
        cancel: threading.Event | None = None,
        loader: Callable[..., LoadedModel] | None = None,
    ) -> LoadedModel:
        """The loaded model, loading it first with ``loader`` (default: the pool's) when needed."""
        key = (spec.key, settings.load_key)
        with self._guard:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            loaded = self._models.get(key)
            if loaded is None:
                gc.collect()  # a dropped model freed now, not mid-load, where it would offset this one's growth
                before = rss_mb()
                loaded = (loader or self._loader)(spec, settings, progress, cancel)
                loaded.load_rss_mb = max(rss_mb() - before, 0.0)
                with self._guard:
                    self._models[key] = loaded
            return loaded

    def loaded(self) -> list[LoadedModel]:
        with self._guard:
            return list(self._models.values())

    def unload(self, model_key: str) -> int:
        """Drop every loaded variant of a model; returns how many were dropped."""
        with self._guard:
            keys = [k for k in self._models if k[0] == model_key]
            dropped = [self._models.pop(key) for key in keys]
        for loaded in dropped:
            loaded.close()
        dropped.clear()
        gc.collect()
        return len(keys)
