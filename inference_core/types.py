"""Value types shared by the engine, the CLI, bundles, the history and the pages: one declaration each.

Settings, results and records are pydantic models: every field's type, bounds and default is declared here
once, and a bad value is refused with a message naming the field (``problem`` turns a ValidationError into
that one line). Engine-specific load settings are a discriminated union, so a llama.cpp lane cannot carry a
dtype. Token and status events stay plain dataclasses: they are made once per token on the hot path.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal, NamedTuple, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Dtype = Literal["float32", "bfloat16", "float16"]
Quantization = Literal["none", "int8"]
Device = Literal["cpu", "cuda"]
Source = Literal["packaged", "hub", "local", "gguf", "shape", "endpoint", "replay"]
Weights = Literal["trained", "random"]
"""A model's weights: as published, or seeded random values on its architecture (shape only)."""
EngineName = Literal["transformers", "llama.cpp"]
"""Engines that run a local model; endpoints and replays bring their own."""
Attention = Literal["sdpa", "eager"]
"""transformers' attention kernels: PyTorch's scaled_dot_product_attention, or plain matmuls."""
Cache = Literal["dynamic", "static"]
"""transformers' KV cache: grown per token, or allocated once at full length (what torch.compile needs)."""
Decoder = Literal["generate", "fused"]
"""transformers' decode loop: ``generate``'s own (what people run), or the fused decoder over the same weights."""
Batching = Literal["none", "continuous"]
DTYPES, ENGINES, ATTENTIONS, CACHES, DECODERS = (get_args(kind) for kind in (Dtype, EngineName, Attention, Cache,
                                                                           Decoder))  # fmt: skip
"""The values of the choices the lane editor offers, in order."""
MAX_NEW_TOKENS = 1_000_000
MAX_THREADS = 1024
MAX_SEED = 2**63 - 1
MAX_LOGPROBS = 20
MAX_HOURLY_USD = 1_000_000
LANE_STATES = ("waiting", "loading", "prefill", "decoding", "done", "stopped", "error")


def check_text(text: str, name: str) -> None:
    """Refuse text that cannot be stored or sent: lone surrogates (invalid UTF-8 input) and NUL."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{name} is not valid text: invalid UTF-8 at character {exc.start}") from None
    if "\x00" in text:
        raise ValueError(f"{name} contains a NUL character at position {text.index(chr(0))}")


def problem(exc: ValidationError) -> str:
    """A validation error as one line naming the field, e.g. ``dtype does not apply to engine=llama.cpp``."""
    error = exc.errors(include_url=False)[0]
    loc = [str(part) for part in error["loc"]]
    where = ".".join(part for part in loc if part not in ENGINES and part != "load")
    if error["type"] == "extra_forbidden":
        if "llama.cpp" in loc:
            return f"{where} does not apply to engine=llama.cpp (it runs the GGUF file's own quantization on the CPU)"
        return f"unknown setting {where!r}"
    kinds = {"int_parsing": "an integer", "int_type": "an integer", "float_parsing": "a number",
             "float_type": "a number", "bool_parsing": "true or false", "bool_type": "true or false"}  # fmt: skip
    if error["type"] in kinds:
        return f"{where} must be {kinds[error['type']]}, got {error['input']!r}"[:300]
    bounds = {"greater_than_equal": ("at least", "ge"), "greater_than": ("above", "gt"),
              "less_than_equal": ("at most", "le"), "less_than": ("below", "lt")}  # fmt: skip
    if error["type"] in bounds:
        words, key = bounds[error["type"]]
        bound = error["ctx"][key]
        bound = int(bound) if isinstance(bound, float) and bound.is_integer() else bound
        return f"{where} must be {words} {bound:,}, got {error['input']!r}"[:300]
    if error["type"] == "literal_error":
        expected = error["ctx"]["expected"].replace("'", "").replace(" or ", ", ")
        return f"{where} must be one of {expected}, got {error['input']!r}"
    if error["type"] == "finite_number":
        return f"{where} must be a finite number, got {error['input']!r}"
    if error["type"] == "union_tag_invalid":
        return f"engine must be one of {', '.join(ENGINES)}, got {error['input'].get('engine')!r}"
    message = error["msg"].removeprefix("Value error, ")
    return f"{where}: {message}"[:300] if where else message[:300]


class InvalidValue(ValueError):
    """A value the schema refuses; the message is one line naming the field."""

    for_user = True


class Bounds(NamedTuple):
    """A field's lowest and highest allowed value (None: unbounded) and its default: what a widget offers."""

    low: Any
    high: Any
    default: Any


def _limits(metadata: Any) -> dict[str, Any]:
    return {key: getattr(item, key) for item in metadata for key in ("ge", "gt", "le", "lt") if hasattr(item, key)}


class Record(BaseModel):
    """A frozen value with validated fields (a bad one raises pydantic's ValidationError, a ValueError: ``problem``
    says it in one line); ``replace`` validates the copy and raises InvalidValue with that line."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def bounds(cls, name: str) -> Bounds:
        """A field's bounds and default, read from its declaration (also inside ``Annotated[...] | None``)."""
        field = cls.model_fields[name]
        found = _limits(field.metadata)
        for arg in () if found else get_args(field.annotation):
            for info in getattr(arg, "__metadata__", ()):
                found |= _limits(getattr(info, "metadata", [info]))
        return Bounds(found.get("ge", found.get("gt")), found.get("le", found.get("lt")), field.default)

    def replace(self, **changes: Any) -> Any:
        """A validated copy with these fields changed."""
        try:
            return type(self).model_validate({**self.model_dump(), **changes})
        except ValidationError as exc:
            raise InvalidValue(problem(exc)) from None


class Form(Record):
    """A record a person fills in (a widget, CLI flags): a bad value raises InvalidValue, one line naming the
    field and its bound, whoever builds it."""

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise InvalidValue(problem(exc)) from None


Seconds = Annotated[float, Field(ge=0, le=86_400 * 7, allow_inf_nan=False)]
Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0)]


class ModelSpec(Record):
    """A model the app can run: where its weights come from and what it is."""

    key: Annotated[str, Field(min_length=1)]
    name: str
    source: Source
    location: str
    params_m: Annotated[float, Field(gt=0)] | None = None
    license: str = "unknown"
    context_length: Annotated[int, Field(ge=1)] = 2048
    chat: bool = True
    available: bool = True
    unavailable_reason: str = ""
    revision: str | None = None
    gguf_file: str = ""
    served_model: str = ""
    """The model name an endpoint serves (source "endpoint")."""
    description: str = ""
    weights: Weights = "trained"


class TransformersLoad(Record):
    """How transformers loads and runs a model: each field is a comparison axis."""

    engine: Literal["transformers"] = "transformers"
    dtype: Dtype = "float32"
    quantize: Quantization = "none"
    device: Device = "cpu"
    attention: Attention = "sdpa"
    cache: Cache = "dynamic"
    compile: bool = False
    """torch.compile the forward pass (static cache); compiling is timed apart from the run."""
    batching: Batching = "none"
    """``continuous``: concurrent requests to this model share each forward pass (transformers' scheduler)."""
    decoder: Decoder = "generate"
    """``fused``: the hand-written fused decoder (float32 Llama-family models on the CPU; others run generate)."""

    @model_validator(mode="after")
    def _consistent(self) -> TransformersLoad:
        rules = [
            (self.quantize == "int8" and self.device != "cpu",
             "quantize=int8 (dynamic quantization) runs on the CPU only"),
            (self.quantize == "int8" and self.dtype != "float32",
             "quantize=int8 needs dtype=float32 (int8 weights, float32 activations)"),
            (self.dtype == "float16" and self.device != "cuda",
             "dtype=float16 needs device=cuda (CPU float16 matmuls are very slow)"),
            (self.compile and self.cache != "static",
             "compile=True needs cache=static (a compiled graph needs fixed shapes)"),
            (self.compile and self.quantize == "int8",
             "compile=True does not apply to quantize=int8 (dynamic quantization is not compiled)"),
            (self.batching == "continuous" and (self.cache, self.compile) != ("dynamic", False),
             "batching=continuous runs with its own paged cache: leave cache and compile unset"),
        ]  # fmt: skip
        for broken, message in rules:
            if broken:
                raise ValueError(message)
        return self


class LlamaCppLoad(Record):
    """llama.cpp runs the GGUF file's own quantization on the CPU: nothing else to choose."""

    engine: Literal["llama.cpp"]


Load = Annotated[TransformersLoad | LlamaCppLoad, Field(discriminator="engine")]
LOAD_KEYS = ("engine", *(name for name in TransformersLoad.model_fields if name != "engine"))
"""The load settings a lane's text form may name (``dtype=bfloat16``); they live in ``Settings.load``."""


class Settings(Record):
    """How a model generates (shared by every engine), and how its engine loads it (``load``)."""

    max_new_tokens: Annotated[int, Field(ge=1, le=MAX_NEW_TOKENS)] = 64
    min_new_tokens: Annotated[int, Field(ge=0, le=MAX_NEW_TOKENS)] = 0
    temperature: Annotated[float, Field(ge=0, le=5, allow_inf_nan=False)] = 0.0
    top_p: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 1.0
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 0
    threads: Annotated[int | None, Field(ge=1, le=MAX_THREADS)] = None
    """None: every core."""
    logprobs: Annotated[int, Field(ge=0, le=MAX_LOGPROBS)] = 0
    """Record each generated token's log-probability and its top-``logprobs`` alternatives (0: off)."""
    load: Load = Field(default_factory=TransformersLoad)

    @model_validator(mode="before")
    @classmethod
    def _nest_load_settings(cls, data: Any) -> Any:
        """Accept the flat form (``Settings(dtype="bfloat16")``, a lane's text, bundles and histories written before
        ``load`` existed): load settings move into ``load``. A flat llama.cpp record of those days carried every
        transformers setting at its default: those are dropped, any other value is kept and refused by name."""
        if not isinstance(data, dict) or not any(key in data for key in LOAD_KEYS):
            return data
        data = dict(data)
        load = dict(data.pop("load", None) or {})
        flat = {key: data.pop(key) for key in LOAD_KEYS if key in data}
        if flat.get("decoder", "") is None:
            flat.pop("decoder")  # saved before the fused decoder existed: its results ran generate
        load = {"engine": "transformers", **load, **flat}
        if load["engine"] == "llama.cpp":  # "decoder" never applied there (those records say "fused", then default)
            defaults = TransformersLoad().model_dump()
            load = {k: v for k, v in load.items() if k == "engine" or (k != "decoder" and v != defaults.get(k, k))}
        data["load"] = load
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.min_new_tokens > self.max_new_tokens:
            raise ValueError(f"min_new_tokens must be between 0 and max_new_tokens ({self.max_new_tokens}), "
                             f"got {self.min_new_tokens}")  # fmt: skip
        if self.transformers and self.load.batching == "continuous" and (self.logprobs or not self.greedy):
            raise ValueError("batching=continuous decodes greedily without log-probabilities here: leave "
                             "temperature and logprobs at 0")  # fmt: skip
        return self

    @property
    def engine(self) -> str:
        return self.load.engine

    @property
    def transformers(self) -> TransformersLoad | None:
        """The transformers load settings; None on another engine."""
        return self.load if isinstance(self.load, TransformersLoad) else None

    @property
    def device(self) -> str:
        """Where the model runs (llama.cpp: the CPU here)."""
        return self.transformers.device if self.transformers else "cpu"

    @property
    def batched(self) -> bool:
        """Continuous batching: concurrent requests to this model share each forward pass."""
        return self.transformers is not None and self.transformers.batching == "continuous"

    @property
    def greedy(self) -> bool:
        """Temperature 0 means greedy decoding (deterministic, comparable across runs)."""
        return self.temperature == 0

    @property
    def fusable(self) -> bool:
        """A load the fused decoder runs on (the model's architecture decides the rest)."""
        load = self.transformers
        return load is not None and (load.dtype, load.quantize, load.device, load.attention, load.compile) == (
            "float32", "none", "cpu", "sdpa", False)  # fmt: skip

    @property
    def decode_loop(self) -> str:
        """The decode loop this run uses: ``fused`` only where asked for and the load allows it, else
        ``generate`` on transformers; the engine's own loop elsewhere."""
        load = self.transformers
        if load is None:
            return self.engine
        if load.decoder == "fused" and self.fusable and (load.cache, load.batching) == ("dynamic", "none"):
            return "fused"
        return "generate"

    @property
    def load_key(self) -> tuple[str, ...]:
        """The settings that change the loaded model (one cached model per value).

        llama.cpp fixes its thread count when it loads, so threads are part of its key."""
        load = self.transformers
        if load is None:
            return (self.engine, f"threads={self.threads or 'default'}")
        extra = (("attention=eager",) if load.attention == "eager" else ()) + (("compiled",) if load.compile else ())
        extra += ("batched",) if load.batching == "continuous" else ()
        extra += ("fused decoder",) if self.decode_loop == "fused" else ()  # it rewires the loaded model
        return (load.dtype, load.quantize, load.device, *extra)

    def flat(self) -> dict[str, Any]:
        """Every setting by its own name (the lane text form and the editor's fields): load settings inlined."""
        data = self.model_dump(exclude={"load"})
        return {**data, **self.load.model_dump()}


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


class MachinePrice(Form):
    """What the machine a run is priced on costs: dollars per hour (None: the engine's default machine) and the
    share of its hours it is busy (None: the engine's default utilization); idle hours are paid too."""

    hourly_usd: Annotated[float, Field(ge=0.001, le=MAX_HOURLY_USD, allow_inf_nan=False)] | None = None
    """At least a tenth of a cent: machine time costs money even when the machine is yours."""
    utilization: Annotated[float, Field(ge=0.01, le=1, allow_inf_nan=False)] | None = None


class RunResult(Record):
    """Everything measured for one lane of one run. Times in seconds, memory in MB."""

    model: str
    model_name: str
    settings: Settings
    ok: bool
    error: str = ""
    stopped: bool = False
    backend: str = "transformers"
    text: str = ""
    tokens_in: Count = 0
    tokens_out: Count = 0
    ttft_s: Seconds | None = None
    tpot_s: Seconds | None = None
    itl_s: tuple[Seconds, ...] = ()
    itl_p50_s: Seconds | None = None
    itl_p95_s: Seconds | None = None
    e2e_s: Seconds | None = None
    decode_tok_per_s: Amount | None = None
    prefill_tok_per_s: Amount | None = None
    peak_rss_mb: Amount | None = None
    rss_delta_mb: Annotated[float, Field(allow_inf_nan=False)] | None = None
    weights_mb: Amount | None = None
    kv_cache_mb: Amount | None = None
    load_s: Amount | None = None
    params_m: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    token_times_s: tuple[Seconds, ...] = ()
    token_texts: tuple[str, ...] = ()
    """The text each token added, in order (what a replay re-streams)."""
    weights: Weights = "trained"
    """``random`` for a shape-only model: its speed and memory are real, its text is noise."""
    model_memory_mb: Amount | None = None
    """This model's own memory: RSS growth when it loaded (at least its weights' bytes) + its run's peak growth."""
    weights_format: str = ""
    """How the weights ran when it is not the dtype alone, e.g. ``Q4_1 (llama.cpp)``."""
    server_ttft_s: Seconds | None = None
    """TTFT as the server reports it, when it does (the gap to ttft_s is network and queueing)."""
    tokens_per_chunk: tuple[Count, ...] = ()
    token_count_source: str = "token ids"
    request_epoch_s: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    """Wall-clock time (Unix seconds) of the request start that token_times_s count from."""
    usd_per_1m_in: Amount | None = None
    usd_per_1m_out: Amount | None = None
    usd_answer: Amount | None = None
    energy_j: Amount | None = None
    """Energy the run took, in joules (``energy_method`` says measured or estimated, and how)."""
    energy_method: str = ""
    hourly_usd: Amount | None = None
    utilization_pct: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] | None = None
    """The machine's utilization the prices were computed with (idle hours are paid too)."""
    started_at: str = ""
    environment: dict[str, Any] = Field(default_factory=dict)
    notes: tuple[str, ...] = ()
    token_logprobs: tuple[Annotated[float, Field(le=0, allow_inf_nan=False)], ...] = ()
    """Natural-log probability of each generated token (``settings.logprobs`` > 0)."""
    top_logprobs: tuple[tuple[tuple[str, Annotated[float, Field(le=0, allow_inf_nan=False)]], ...], ...] = ()
    """Per position, the ``settings.logprobs`` most likely tokens as (text, log-probability), best first."""
    token_entropy: tuple[Amount, ...] = ()
    """Per position, the entropy (nats) of the model's whole next-token distribution."""

    @field_validator("token_times_s")
    @classmethod
    def _in_order(cls, times: tuple[float, ...]) -> tuple[float, ...]:
        if any(later < earlier for earlier, later in itertools.pairwise(times)):
            raise ValueError("token times must never decrease")
        return times

    @model_validator(mode="after")
    def _possible(self) -> RunResult:
        """A result no run could produce is refused: more token times or log-probabilities than tokens."""
        tokens = max(self.tokens_out, len(self.token_texts))
        for name in ("token_times_s", "token_logprobs", "top_logprobs", "itl_s"):
            if len(getattr(self, name)) > tokens:
                raise ValueError(f"{name} holds {len(getattr(self, name)):,} entries for {tokens:,} tokens")
        return self

    @property
    def decoder(self) -> str:
        """The decode loop that ran: ``generate`` or ``fused`` on transformers, else the backend's own
        (``llama.cpp``, ``openai``, ``replay``)."""
        return self.settings.decode_loop if self.backend == "transformers" else self.backend

    def __eq__(self, other: object) -> bool:  # the environment is where, not what, was measured
        if not isinstance(other, RunResult):
            return NotImplemented
        return self.model_dump(exclude={"environment"}) == other.model_dump(exclude={"environment"})

    __hash__ = None  # type: ignore[assignment]


class RunSummary(Record):
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


RUN_KINDS = ("compare", "sweep", "traffic", "eval", "tour")
"""What a saved run is: a comparison, a sweep, a traffic sweep, a question set's evaluation, a tour."""


class LaneRecord(Record):
    """One saved lane: its number in the run, its result, and its extras (a sweep row's experiment and value)."""

    lane: Annotated[int, Field(ge=0, le=1_000_000)]
    result: RunResult
    extra: dict[str, Any] = Field(default_factory=dict)


class StoredRun(Record):
    """A saved run as the history keeps it and a bundle carries it."""

    id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    kind: Literal["compare", "sweep", "traffic", "eval", "tour"]
    created_at: str
    prompt: str
    title: str = ""
    meta: dict[str, Any] = Field(default_factory=dict)
    lanes: list[LaneRecord]

    @field_validator("created_at")
    @classmethod
    def _a_time(cls, value: str) -> str:
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"must be an ISO 8601 date and time, got {value[:40]!r}") from None
        return value

    @field_validator("prompt", "title")
    @classmethod
    def _text(cls, value: str, info: Any) -> str:
        check_text(value, info.field_name)
        return value

    @model_validator(mode="after")
    def _unique_lanes(self) -> StoredRun:
        numbers = [lane.lane for lane in self.lanes]
        if len(set(numbers)) != len(numbers):
            raise ValueError("lane numbers must be unique within a run")
        return self

    @property
    def results(self) -> list[RunResult]:
        return [lane.result for lane in self.lanes]

    @property
    def extras(self) -> list[dict[str, Any]]:
        return [lane.extra for lane in self.lanes]
