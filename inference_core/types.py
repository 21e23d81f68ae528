"""Frozen value types shared by the engine, the CLI and the pages.

Validation lives in ``__post_init__`` and names the offending field, so a bad value
becomes a one-line message wherever it was typed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

DTYPES = ("float32", "bfloat16", "float16")
QUANTIZATIONS = ("none", "int8")
DEVICES = ("cpu", "cuda")
SOURCES = ("packaged", "hub", "local", "gguf", "shape", "endpoint", "replay")
WEIGHTS = ("trained", "random")
"""A model's weights: as published, or seeded random values on its architecture (shape only)."""
ENGINES = ("transformers", "llama.cpp")
ATTENTIONS = ("sdpa", "eager")
"""transformers' attention kernels: PyTorch's scaled_dot_product_attention, or plain matmuls."""
CACHES = ("dynamic", "static")
DECODERS = ("fused", "generate")
"""transformers' decode loop: the fused loop over the same weights where the model allows, or ``generate``'s own."""
BATCHINGS = ("none", "continuous")
"""transformers' KV cache: grown per token, or allocated once at full length (what torch.compile needs)."""
"""Engines that run a local model; endpoints and replays bring their own."""
MAX_NEW_TOKENS = 1_000_000
MAX_THREADS = 1024
MAX_SEED = 2**63 - 1
MAX_LOGPROBS = 20
LANE_STATES = ("waiting", "loading", "prefill", "decoding", "done", "stopped", "error")


def check_text(text: str, name: str) -> None:
    """Refuse text that cannot be stored or sent: lone surrogates (invalid UTF-8 input) and NUL."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{name} is not valid text: invalid UTF-8 at character {exc.start}") from None
    if "\x00" in text:
        raise ValueError(f"{name} contains a NUL character at position {text.index(chr(0))}")


@dataclass(frozen=True)
class ModelSpec:
    """A model the app can run: where its weights come from and what it is."""

    key: str
    name: str
    source: str
    location: str
    params_m: float | None = None
    license: str = "unknown"
    context_length: int = 2048
    chat: bool = True
    available: bool = True
    unavailable_reason: str = ""
    revision: str | None = None
    gguf_file: str = ""
    served_model: str = ""
    """The model name an endpoint serves (source "endpoint")."""
    description: str = ""
    weights: str = "trained"

    def __post_init__(self) -> None:
        if self.weights not in WEIGHTS:
            raise ValueError(f"weights must be one of {', '.join(WEIGHTS)}, got {self.weights!r}")
        if not self.key:
            raise ValueError("key must not be empty")
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {self.source!r}")
        if self.context_length < 1:
            raise ValueError(f"context_length must be at least 1, got {self.context_length}")
        if self.params_m is not None and self.params_m <= 0:
            raise ValueError(f"params_m must be positive, got {self.params_m}")


@dataclass(frozen=True)
class Settings:
    """How a model is loaded and how it generates; every field is a comparison axis."""

    dtype: str = "float32"
    quantize: str = "none"
    device: str = "cpu"
    threads: int | None = None
    max_new_tokens: int = 64
    min_new_tokens: int = 0
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    engine: str = "transformers"
    attention: str = "sdpa"
    cache: str = "dynamic"
    compile: bool = False
    """torch.compile the forward pass (transformers, static cache); compiling is timed apart from the run."""
    logprobs: int = 0
    """Record each generated token's log-probability and its top-``logprobs`` alternatives (0: off)."""
    batching: str = "none"
    """``continuous``: concurrent requests to this model share each forward pass (transformers' scheduler)."""
    decoder: str = "fused"
    """``fused``: the fused decode loop (float32 Llama-family models on the CPU; others run ``generate``)."""

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {self.dtype!r}")
        if self.quantize not in QUANTIZATIONS:
            raise ValueError(f"quantize must be one of {', '.join(QUANTIZATIONS)}, got {self.quantize!r}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {self.device!r}")
        if self.quantize == "int8" and self.device != "cpu":
            raise ValueError("quantize=int8 (dynamic quantization) runs on the CPU only")
        if self.quantize == "int8" and self.dtype != "float32":
            raise ValueError("quantize=int8 needs dtype=float32 (int8 weights, float32 activations)")
        if self.dtype == "float16" and self.device != "cuda":
            raise ValueError("dtype=float16 needs device=cuda (CPU float16 matmuls are very slow)")
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if self.attention not in ATTENTIONS:
            raise ValueError(f"attention must be one of {', '.join(ATTENTIONS)}, got {self.attention!r}")
        if self.cache not in CACHES:
            raise ValueError(f"cache must be one of {', '.join(CACHES)}, got {self.cache!r}")
        if self.decoder not in DECODERS:
            raise ValueError(f"decoder must be one of {', '.join(DECODERS)}, got {self.decoder!r}")
        if self.compile and self.cache != "static":
            raise ValueError("compile=True needs cache=static (a compiled graph needs fixed shapes)")
        if self.compile and self.quantize == "int8":
            raise ValueError("compile=True does not apply to quantize=int8 (dynamic quantization is not compiled)")
        transformers_only = (self.dtype, self.quantize, self.device, self.attention, self.cache, self.compile)
        if self.engine == "llama.cpp" and transformers_only != ("float32", "none", "cpu", "sdpa", "dynamic", False):
            raise ValueError("engine=llama.cpp runs the GGUF file's own quantization on the CPU: leave dtype, "
                             "quantize, device, attention, cache and compile unset")  # fmt: skip
        if self.batching not in BATCHINGS:
            raise ValueError(f"batching must be one of {', '.join(BATCHINGS)}, got {self.batching!r}")
        if self.batching == "continuous" and (self.engine, self.cache, self.logprobs) != ("transformers", "dynamic", 0):
            raise ValueError("batching=continuous runs on the transformers engine with its own paged cache: "
                             "leave engine, cache, compile and logprobs unset")  # fmt: skip
        if self.batching == "continuous" and not self.greedy:
            raise ValueError("batching=continuous decodes greedily here: leave temperature at 0")
        if not 0 <= self.logprobs <= MAX_LOGPROBS:
            raise ValueError(f"logprobs must be between 0 and {MAX_LOGPROBS}, got {self.logprobs}")
        if self.threads is not None and not 1 <= self.threads <= MAX_THREADS:
            raise ValueError(f"threads must be between 1 and {MAX_THREADS}, got {self.threads}")
        if not 1 <= self.max_new_tokens <= MAX_NEW_TOKENS:
            raise ValueError(f"max_new_tokens must be between 1 and {MAX_NEW_TOKENS:,}, got {self.max_new_tokens}")
        if not 0 <= self.min_new_tokens <= self.max_new_tokens:
            raise ValueError(
                f"min_new_tokens must be between 0 and max_new_tokens ({self.max_new_tokens}), "
                f"got {self.min_new_tokens}"
            )
        if not 0 <= self.temperature <= 5:
            raise ValueError(f"temperature must be between 0 and 5, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if not 0 <= self.seed <= MAX_SEED:
            raise ValueError(f"seed must be between 0 and 2**63 - 1, got {self.seed}")

    @property
    def greedy(self) -> bool:
        """Temperature 0 means greedy decoding (deterministic, comparable across runs)."""
        return self.temperature == 0

    @property
    def fusable(self) -> bool:
        """A load the fused decode loop runs on (the model's architecture decides the rest; runs with a static
        cache or continuous batching use their own loops)."""
        loaded_as = (self.engine, self.dtype, self.quantize, self.device, self.attention, self.compile)
        return loaded_as == ("transformers", "float32", "none", "cpu", "sdpa", False)

    @property
    def decoder_applies(self) -> bool:
        """Whether ``decoder`` chooses the loop of this run (a fusable load, dynamic cache, no batching)."""
        return self.fusable and (self.cache, self.batching) == ("dynamic", "none")

    @property
    def load_key(self) -> tuple[str, ...]:
        """The settings that change the loaded model (one cached model per value).

        llama.cpp fixes its thread count when it loads, so threads are part of its key."""
        if self.engine == "llama.cpp":
            return (self.engine, f"threads={self.threads or 'default'}")
        extra = (("attention=eager",) if self.attention == "eager" else ()) + (("compiled",) if self.compile else ())
        extra += ("batched",) if self.batching == "continuous" else ()
        return (self.dtype, self.quantize, self.device, *extra)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str
    settings: Settings = field(default_factory=Settings)

    def __post_init__(self) -> None:
        if not self.prompt or not self.prompt.strip():
            raise ValueError("prompt must not be empty")
        check_text(self.prompt, "prompt")


@dataclass(frozen=True)
class TokenEvent:
    """One generated token, stamped on the thread that produced it."""

    lane: int
    index: int
    token_id: int
    text: str
    t_s: float
    elapsed_s: float


@dataclass(frozen=True)
class StatusEvent:
    """A lane changed state (loading, prefill, decoding, done, stopped, error)."""

    lane: int
    state: str
    detail: str = ""
    fraction: float | None = None

    def __post_init__(self) -> None:
        if self.state not in LANE_STATES:
            raise ValueError(f"state must be one of {', '.join(LANE_STATES)}, got {self.state!r}")


@dataclass(frozen=True)
class RunResult:
    """Everything measured for one lane of one run. Times in seconds, memory in MB."""

    model: str
    model_name: str
    settings: Settings
    ok: bool
    error: str = ""
    stopped: bool = False
    backend: str = "transformers"
    text: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    ttft_s: float | None = None
    tpot_s: float | None = None
    itl_s: tuple[float, ...] = ()
    itl_p50_s: float | None = None
    itl_p95_s: float | None = None
    e2e_s: float | None = None
    decode_tok_per_s: float | None = None
    prefill_tok_per_s: float | None = None
    peak_rss_mb: float | None = None
    rss_delta_mb: float | None = None
    weights_mb: float | None = None
    kv_cache_mb: float | None = None
    load_s: float | None = None
    params_m: float | None = None
    token_times_s: tuple[float, ...] = ()
    token_texts: tuple[str, ...] = ()
    """The text each token added, in order (what a replay re-streams)."""
    weights: str = "trained"
    """``random`` for a shape-only model: its speed and memory are real, its text is noise."""
    model_memory_mb: float | None = None
    """This model's own memory: RSS growth when it loaded (at least its weights' bytes) + its run's peak growth."""
    weights_format: str = ""
    """How the weights ran when it is not the dtype alone, e.g. ``Q4_1 (llama.cpp)``."""
    server_ttft_s: float | None = None
    """TTFT as the server reports it, when it does (the gap to ttft_s is network and queueing)."""
    tokens_per_chunk: tuple[int, ...] = ()
    token_count_source: str = "token ids"
    request_epoch_s: float | None = None
    """Wall-clock time (Unix seconds) of the request start that token_times_s count from."""
    usd_per_1m_in: float | None = None
    usd_per_1m_out: float | None = None
    usd_answer: float | None = None
    energy_j: float | None = None
    """Energy the run took, in joules (``energy_method`` says measured or estimated, and how)."""
    energy_method: str = ""
    hourly_usd: float | None = None
    utilization_pct: float | None = None
    """The machine's utilization the prices were computed with (idle hours are paid too)."""
    started_at: str = ""
    environment: dict[str, Any] = field(default_factory=dict, compare=False)
    notes: tuple[str, ...] = ()
    token_logprobs: tuple[float, ...] = ()
    """Natural-log probability of each generated token (``settings.logprobs`` > 0)."""
    top_logprobs: tuple[tuple[tuple[str, float], ...], ...] = ()
    """Per position, the ``settings.logprobs`` most likely tokens as (text, log-probability), best first."""
    token_entropy: tuple[float, ...] = ()
    """Per position, the entropy (nats) of the model's whole next-token distribution."""

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["token_logprobs"] = list(self.token_logprobs)
        data["top_logprobs"] = [[list(pair) for pair in position] for position in self.top_logprobs]
        data["token_entropy"] = list(self.token_entropy)
        data["itl_s"] = list(self.itl_s)
        data["token_times_s"] = list(self.token_times_s)
        data["token_texts"] = list(self.token_texts)
        data["tokens_per_chunk"] = list(self.tokens_per_chunk)
        data["notes"] = list(self.notes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        # a transformers result saved before the fused decoder existed ran transformers' generate loop
        before_fused = {"decoder": "generate"} if values.get("backend", "transformers") == "transformers" else {}
        saved = {key: value for key, value in values.get("settings", {}).items()
                 if value is not None or key != "decoder"}  # fmt: skip
        values["settings"] = Settings(**{**before_fused, **saved})
        for name in ("itl_s", "token_times_s", "token_texts", "tokens_per_chunk", "notes", "token_logprobs",
                     "token_entropy"):  # fmt: skip
            values[name] = tuple(values.get(name) or ())
        values["top_logprobs"] = tuple(tuple((str(text), float(lp)) for text, lp in position)
                                       for position in values.get("top_logprobs") or ())  # fmt: skip
        return cls(**values)


@dataclass(frozen=True)
class RunSummary:
    id: str
    kind: str
    created_at: str
    prompt: str
    title: str
    models: tuple[str, ...]
    lanes: int
    ok_lanes: int
    machine: str = ""
    """Where the run was measured: processor, cores, memory (and GPU)."""
    deployment: str = ""


@dataclass(frozen=True)
class StoredRun:
    id: str
    kind: str
    created_at: str
    prompt: str
    title: str
    meta: dict[str, Any]
    results: list[RunResult]
    extras: list[dict[str, Any]] = field(default_factory=list)
    """Per-lane extras (a sweep row's experiment, value and repeat)."""
