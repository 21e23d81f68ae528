"""Will it fit? Memory estimates before loading, and admission control.

Weights are counted on an empty model built from the config on the meta device, so
nothing is allocated and nothing is downloaded beyond the config. The meta device is a
thread-local ``torch.device`` context (never a process-wide patch such as
``accelerate.init_empty_weights``, which corrupted a real load on another thread), and the
build holds the process's build lock. A config's sizes are bounded before anything is
built, so a crafted config cannot burn a shared server. KV cache uses the same formula as
the measurements; a runtime overhead covers the tokenizer, buffers and allocator slack.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from inference_core.measure import DTYPE_BYTES, MB, kv_cache_bytes
from inference_core.models.construction import BUILD_LOCK
from inference_core.models.paths import config_cache, converted_dir, is_converted, locate_gguf
from inference_core.models.shapes import SMOLLM2_TOKENIZER_VOCAB
from inference_core.models.user_files import MAX_CONFIG_BYTES, read_user_file
from inference_core.types import Bounds, ModelSpec, Settings, TransformersLoad

# Runtime overhead, calibrated on the two embedded models in fresh processes (BENCHMARKS.md):
# a fixed part (model code imported on first load, buffers, the RSS sampler) and the
# tokenizer, which grows with the vocabulary (Gemma's 262k-token tokenizer takes ~330 MB).
OVERHEAD_MB = 100.0
TOKENIZER_KB_PER_VOCAB_ENTRY = 1.3
FITS_SHARE = 0.70  # of available memory
TIGHT_SHARE = 0.90
# Far above any published decoder (Llama 3.1 405B: 126 layers, hidden 16384, 128k vocabulary).
CONFIG_LIMITS = {
    "num_hidden_layers": 512,
    "hidden_size": 65_536,
    "intermediate_size": 262_144,
    "vocab_size": 4_000_000,
    "num_attention_heads": 1024,
    "num_key_value_heads": 1024,
    "num_local_experts": 1024,
    "num_experts": 1024,
    "head_dim": 4096,
}
MAX_LAYERS_TIMES_EXPERTS = 65_536


class AdmissionError(RuntimeError):
    """A model refused before loading because it would not fit; the message has the numbers."""

    for_user = True


@dataclass(frozen=True)
class Estimate:
    model: str
    dtype: str
    quantize: str
    context: int
    params_m: float
    weights_mb: float
    load_peak_mb: float
    """Highest weight memory while loading (int8 loads float32 first, then quantizes)."""
    kv_cache_mb: float
    overhead_mb: float
    total_mb: float
    available_mb: float
    verdict: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        peak = ""
        if self.load_peak_mb > self.weights_mb + self.kv_cache_mb:
            peak = f" (loading peaks at {self.load_peak_mb:,.0f} MB: float32 first, then int8)"
        return (
            f"{self.model} ({self.dtype}{', int8' if self.quantize == 'int8' else ''}, context {self.context}): "
            f"weights {self.weights_mb:,.0f} MB + KV cache {self.kv_cache_mb:,.0f} MB + overhead "
            f"{self.overhead_mb:,.0f} MB{peak} -> {self.total_mb:,.0f} MB needed; {self.available_mb:,.0f} MB "
            f"available: {self.verdict}"
        )


def available_memory_mb() -> float:
    """Free memory, capped by a cgroup limit when there is one (containers, Streamlit Cloud)."""
    available = psutil.virtual_memory().available / MB
    limit = cgroup_limit()
    if limit is not None:
        available = min(available, (limit[0] - limit[1]) / MB)
    return max(available, 0.0)


def cgroup_limit() -> tuple[int, int] | None:
    """(limit, usage) in bytes of this process's memory cgroup (v2, else v1); None when unlimited."""
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit != "max":
            return int(limit), int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
    except (OSError, ValueError):
        pass
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
        path = next(line.split(":", 2)[2] for line in lines if line.split(":")[1] == "memory")
        folder = Path("/sys/fs/cgroup/memory") / path.lstrip("/")
        limit_bytes = int((folder / "memory.limit_in_bytes").read_text())
        if limit_bytes < 2**60:  # v1 writes "no limit" as a huge number
            stats = dict(line.split() for line in (folder / "memory.stat").read_text().splitlines())
            usage = int((folder / "memory.usage_in_bytes").read_text()) - int(stats.get("total_inactive_file", 0))
            return limit_bytes, usage  # page cache the kernel can drop is not counted, as docker stats does
    except (OSError, ValueError, StopIteration, IndexError):
        pass
    return None


def load_config(spec: ModelSpec) -> Any:
    """A spec's config, bounded (ValueError when it is unreadable, malformed or absurdly large)."""
    try:
        config = _read_config(spec)
    except (OSError, ValueError):
        raise
    except Exception as exc:  # a config.json that is a list, a mistyped field...
        raise ValueError(
            f"{spec.name}: config.json is not a valid model config ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:160] if str(exc) else ''})"
        ) from None
    check_config_bounds(config, spec.name)
    return config


def check_config_bounds(config: Any, name: str) -> None:
    """Refuse a config whose sizes no real model has, before anything is built from it."""
    text = config.get_text_config()
    for field, limit in CONFIG_LIMITS.items():
        value = getattr(text, field, None)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit:
            raise ValueError(f"{name}: config field {field} = {str(value)[:40]} is outside 0..{limit:,}")
    experts = max(getattr(text, "num_local_experts", 0) or 0, getattr(text, "num_experts", 0) or 0, 1)
    if (getattr(text, "num_hidden_layers", 0) or 0) * experts > MAX_LAYERS_TIMES_EXPERTS:
        raise ValueError(f"{name}: {text.num_hidden_layers} layers x {experts} experts is too many to estimate")


def _read_config(spec: ModelSpec) -> Any:
    """A spec's transformers config without loading weights (GGUF headers are read once, then cached)."""
    from transformers import AutoConfig

    if spec.source in ("packaged", "gguf"):
        if is_converted(spec):
            return AutoConfig.from_pretrained(converted_dir(spec))
        cached = config_cache(spec)
        if cached.is_file():
            data = json.loads(cached.read_text())
            return AutoConfig.for_model(data.pop("model_type"), **data)
        gguf = locate_gguf(spec)
        config = AutoConfig.from_pretrained(gguf.parent, gguf_file=gguf.name)
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(config.to_json_string())
        return config
    if spec.source == "local":
        path = Path(spec.location) / "config.json"
        if not isinstance(json.loads(read_user_file(path, MAX_CONFIG_BYTES, "the model config")), dict):
            raise ValueError(f"{path} is not a JSON object: not a model config")
        return AutoConfig.from_pretrained(spec.location, trust_remote_code=False)
    if spec.source == "hub":
        return AutoConfig.from_pretrained(spec.location, revision=spec.revision, trust_remote_code=False)
    if spec.source == "shape":
        return AutoConfig.from_pretrained(spec.location, trust_remote_code=False)
    raise ValueError(f"{spec.name} runs elsewhere ({spec.source}): no local memory to estimate")


_PARAMETER_COUNTS: OrderedDict[str, tuple[int, int]] = OrderedDict()
"""Counts by the SHA-256 of a config's JSON (a pure function of it), the latest few kept: a visitor's
crafted configs can neither fill memory with their text nor grow the cache without bound."""
MAX_COUNTED_CONFIGS = 64
_COUNTS_LOCK = threading.Lock()


def count_parameters(config: Any) -> tuple[int, int]:
    """(all parameters, parameters inside Linear layers) of an empty model built from the config."""
    key = hashlib.sha256(config.to_json_string().encode("utf-8")).hexdigest()
    with _COUNTS_LOCK:
        found = _PARAMETER_COUNTS.get(key)
    if found is None:
        found = _count_parameters(config)
        with _COUNTS_LOCK:
            _PARAMETER_COUNTS[key] = found
            while len(_PARAMETER_COUNTS) > MAX_COUNTED_CONFIGS:
                _PARAMETER_COUNTS.popitem(last=False)
    return found


def _count_parameters(config: Any) -> tuple[int, int]:
    import torch
    from transformers import AutoModelForCausalLM

    with BUILD_LOCK, torch.device("meta"):  # thread-local: another thread's real load is untouched
        model = AutoModelForCausalLM.from_config(config)
    total = sum(p.numel() for p in model.parameters())
    linear = sum(m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Linear))
    output, embedding = model.get_output_embeddings(), model.get_input_embeddings()
    tied = getattr(config.get_text_config(), "tie_word_embeddings", False)
    if tied and output is not None and output.weight is not embedding.weight:
        total -= output.weight.numel()  # tied on load: one matrix
    return total, linear


def verdict(total_mb: float, available_mb: float) -> str:
    if total_mb <= FITS_SHARE * available_mb:
        return "fits"
    if total_mb <= TIGHT_SHARE * available_mb:
        return "tight"
    return "does-not-fit"


CONTEXT_TOKENS = Bounds(1, 131_072, 2048)
"""Tokens of KV cache an estimate plans for."""


def estimate(spec: ModelSpec, settings: Settings, context: int = CONTEXT_TOKENS.default,
             available_mb: float | None = None) -> Estimate:  # fmt: skip
    """Memory a model needs at this dtype / quantization and context, against what is free."""
    if not CONTEXT_TOKENS.low <= context <= CONTEXT_TOKENS.high:
        raise ValueError(f"context must be between {CONTEXT_TOKENS.low} and {CONTEXT_TOKENS.high:,} tokens, "
                         f"got {context}")  # fmt: skip
    load = settings.transformers or TransformersLoad()  # a llama.cpp lane: its float32 equivalent
    config = load_config(spec)
    total, linear = count_parameters(config)
    float_mb = total * DTYPE_BYTES[load.dtype] / MB
    if load.quantize == "int8":
        # Linear weights become int8 (an untied copy for a tied output layer); the rest stays float32.
        weights_mb = (linear * 1 + (total - linear) * 4) / MB
        text = config.get_text_config()
        if getattr(text, "tie_word_embeddings", False):
            weights_mb += text.vocab_size * text.hidden_size * 4 / MB  # the float32 input embeddings
        load_peak = float_mb + weights_mb
    else:
        weights_mb = load_peak = float_mb
    kv_mb = kv_cache_bytes(config, context, load.dtype) / MB
    vocab = getattr(config.get_text_config(), "vocab_size", 0) or 0
    if spec.source == "shape":  # a shape's prompts go through the packaged SmolLM2 tokenizer
        vocab = SMOLLM2_TOKENIZER_VOCAB
    overhead = OVERHEAD_MB + vocab * TOKENIZER_KB_PER_VOCAB_ENTRY / 1024
    total_mb = max(load_peak, weights_mb + kv_mb) + overhead
    free = available_memory_mb() if available_mb is None else available_mb
    return Estimate(
        model=spec.key, dtype=load.dtype, quantize=load.quantize, context=context, params_m=total / 1e6,
        weights_mb=weights_mb, load_peak_mb=load_peak, kv_cache_mb=kv_mb, overhead_mb=overhead,
        total_mb=total_mb, available_mb=free, verdict=verdict(total_mb, free),
    )  # fmt: skip


def admit(spec: ModelSpec, settings: Settings) -> Estimate | None:
    """Refuse a load that would not fit (AdmissionError with the numbers); None when unknown."""
    if os.environ.get("INFERENCE_LENS_NO_ADMISSION") == "1":
        return None
    try:
        found = estimate(spec, settings, context=min(spec.context_length, CONTEXT_TOKENS.default))
    except OSError:  # config not reachable yet (a hub download will say why)
        return None
    except ValueError as exc:  # malformed or absurd config: never build it
        raise AdmissionError(f"not loaded: {exc}") from None
    if found.verdict == "does-not-fit":
        raise AdmissionError(f"not loaded, it would not fit: {found.summary()}")
    return found


COMMUNITY_CLOUD_MB = 2700.0
"""Memory a Streamlit Community Cloud app gets, at most (about 2.7 GB)."""


def _local_and_known(spec: ModelSpec) -> bool:
    """A model this machine can run whose size is known (hub models only once cached or reachable)."""
    return spec.source in ("packaged", "hub", "local", "gguf", "shape") and spec.available and bool(spec.params_m)


def ladder(specs: list[ModelSpec], settings: Settings, available_mb: float | None = None) -> list[ModelSpec]:
    """The local models that are usable and fit at these settings, smallest first (the model-size default)."""
    fitting = []
    for spec in specs:
        if not _local_and_known(spec):
            continue
        try:
            if estimate(spec, settings, available_mb=available_mb).verdict != "does-not-fit":
                fitting.append(spec)
        except (OSError, ValueError):  # a config that cannot be read is not offered
            continue
    return sorted(fitting, key=lambda spec: spec.params_m or 0.0)


def ladder_fits(specs: list[ModelSpec], dtypes: tuple[str, ...] = ("float32", "bfloat16")) -> list[dict[str, Any]]:
    """Per model and dtype: memory needed, and whether it fits this machine and a Community Cloud app."""
    here = available_memory_mb()
    rows = []
    for spec in filter(_local_and_known, specs):
        for dtype in dtypes:
            try:
                found = estimate(spec, Settings(dtype=dtype), available_mb=here)
            except (OSError, ValueError):
                continue
            cloud = verdict(found.total_mb, COMMUNITY_CLOUD_MB)
            rows.append({"model": spec.name, "params_m": spec.params_m, "dtype": dtype, "needs_mb": found.total_mb,
                         "this_machine": found.verdict, "community_cloud": cloud})  # fmt: skip
    return rows
