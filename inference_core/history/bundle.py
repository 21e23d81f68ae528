"""The bundle format that moves saved runs between machines, validated by a schema.

A bundle is hostile until validated: its size is bounded before it is read, its nesting
before it is walked, and every field's type and range by the pydantic models below. A
bundle with any invalid field is refused whole, with a message naming the field.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterator
from typing import IO, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, field_validator, model_validator

from inference_core.types import RunResult, Settings

BUNDLE_FORMAT = "inference-lens-bundle"
BUNDLE_VERSION = 1
MAX_BUNDLE_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 16
MAX_TOKENS = 1_000_000
MAX_RECORDED_S = 3600.0
"""Longest recorded time a bundle may carry: a replay of it never takes more than an hour."""
RUN_KINDS = ("compare", "sweep")

_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
_FREE_TEXT = {"prompt", "text", "token_texts", "title", "error"}
"""Fields that hold user or model text: stored as is and always rendered escaped."""


class BundleError(ValueError):
    """A bundle that cannot be imported; the message is for the user."""

    for_user = True


Seconds = Annotated[float, Field(ge=0, le=MAX_RECORDED_S, allow_inf_nan=False)]
Amount = Annotated[float, Field(ge=0, le=1e12, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=10 * MAX_TOKENS)]
Text = Annotated[str, Field(max_length=MAX_BUNDLE_BYTES)]
Name = Annotated[str, Field(max_length=2000)]
LogProb = Annotated[float, Field(ge=-1e4, le=0, allow_inf_nan=False)]
JsonObject = dict[Name, JsonValue]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


_DEFAULTS = Settings()


class SettingsRecord(_Strict):
    """A lane's settings; a field left out takes the engine's default."""

    dtype: Name = _DEFAULTS.dtype
    quantize: Name = _DEFAULTS.quantize
    device: Name = _DEFAULTS.device
    threads: int | None = _DEFAULTS.threads
    max_new_tokens: int = _DEFAULTS.max_new_tokens
    min_new_tokens: int = _DEFAULTS.min_new_tokens
    temperature: Annotated[float, Field(allow_inf_nan=False)] = _DEFAULTS.temperature
    top_p: Annotated[float, Field(allow_inf_nan=False)] = _DEFAULTS.top_p
    seed: int = _DEFAULTS.seed
    engine: Name = _DEFAULTS.engine
    attention: Name = _DEFAULTS.attention
    cache: Name = _DEFAULTS.cache
    compile: bool = _DEFAULTS.compile
    logprobs: int = _DEFAULTS.logprobs
    batching: Name = _DEFAULTS.batching
    decoder: Name | None = None
    """None in bundles exported before the fused decoder existed (their transformers results ran generate)."""

    @model_validator(mode="after")
    def _valid_settings(self) -> SettingsRecord:
        Settings(**self.model_dump(exclude={"decoder"} if self.decoder is None else None))  # the engine's own rules
        return self


class ResultRecord(_Strict):
    """Every field of a RunResult, typed and bounded."""

    model: Name
    model_name: Name
    settings: SettingsRecord
    ok: bool
    error: Text = ""
    stopped: bool = False
    backend: Name = "transformers"
    text: Text = ""
    tokens_in: Count = 0
    tokens_out: Count = 0
    ttft_s: Seconds | None = None
    tpot_s: Seconds | None = None
    itl_s: Annotated[list[Seconds], Field(max_length=MAX_TOKENS)] = []
    itl_p50_s: Seconds | None = None
    itl_p95_s: Seconds | None = None
    e2e_s: Seconds | None = None
    decode_tok_per_s: Amount | None = None
    prefill_tok_per_s: Amount | None = None
    peak_rss_mb: Amount | None = None
    rss_delta_mb: Annotated[float, Field(ge=-1e9, le=1e9, allow_inf_nan=False)] | None = None
    weights_mb: Amount | None = None
    kv_cache_mb: Amount | None = None
    load_s: Amount | None = None
    params_m: Annotated[float, Field(gt=0, le=1e9, allow_inf_nan=False)] | None = None
    token_times_s: Annotated[list[Seconds], Field(max_length=MAX_TOKENS)] = []
    token_texts: Annotated[list[Text], Field(max_length=MAX_TOKENS)] = []
    weights: Literal["trained", "random"] = "trained"
    model_memory_mb: Amount | None = None
    weights_format: Name = ""
    server_ttft_s: Seconds | None = None
    tokens_per_chunk: Annotated[list[Count], Field(max_length=MAX_TOKENS)] = []
    token_count_source: Name = "token ids"
    request_epoch_s: Annotated[float, Field(ge=0, le=1e11, allow_inf_nan=False)] | None = None
    usd_per_1m_in: Amount | None = None
    usd_per_1m_out: Amount | None = None
    usd_answer: Amount | None = None
    hourly_usd: Amount | None = None
    utilization_pct: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] | None = None
    energy_j: Amount | None = None
    energy_method: Text = ""
    started_at: Name = ""
    environment: JsonObject = {}
    notes: Annotated[list[Text], Field(max_length=1000)] = []
    token_logprobs: Annotated[list[LogProb], Field(max_length=MAX_TOKENS)] = []
    top_logprobs: Annotated[list[Annotated[list[tuple[Text, LogProb]], Field(max_length=20)]],
                            Field(max_length=MAX_TOKENS)] = []  # fmt: skip
    token_entropy: Annotated[list[Amount], Field(max_length=MAX_TOKENS)] = []

    @field_validator("token_times_s")
    @classmethod
    def _in_order(cls, times: list[float]) -> list[float]:
        if any(later < earlier for earlier, later in itertools.pairwise(times)):
            raise ValueError("token times must never decrease")
        return times


class LaneRecord(_Strict):
    lane: Annotated[int, Field(ge=0, le=1_000_000)]
    result: ResultRecord
    extra: JsonObject = {}


class RunRecord(_Strict):
    id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    kind: Literal["compare", "sweep"]
    created_at: Name
    prompt: Text
    title: Text = ""
    meta: JsonObject = {}
    lanes: Annotated[list[LaneRecord], Field(max_length=100_000)]

    @field_validator("lanes")
    @classmethod
    def _unique_lanes(cls, lanes: list[LaneRecord]) -> list[LaneRecord]:
        numbers = [lane.lane for lane in lanes]
        if len(set(numbers)) != len(numbers):
            raise ValueError("lane numbers must be unique within a run")
        return lanes


class Bundle(_Strict):
    format: Literal["inference-lens-bundle"]
    version: Literal[1]
    exported_at: Name = ""
    runs: Annotated[list[RunRecord], Field(max_length=100_000)]


def read_limited(handle: IO[bytes]) -> bytes:
    """At most MAX_BUNDLE_BYTES from a file (a device such as /dev/zero included), else BundleError."""
    raw = handle.read(MAX_BUNDLE_BYTES + 1)
    if len(raw) > MAX_BUNDLE_BYTES:
        raise BundleError(f"the file is over {MAX_BUNDLE_BYTES // 2**20} MB; bundles are at most that")
    return raw


def _refuse_constant(name: str) -> Any:
    raise BundleError(f"the file holds {name}, which is not standard JSON")


def _depth(value: Any) -> int:
    """Deepest nesting of lists and objects, walked without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                return depth
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _html_fields(value: Any, path: str = "") -> Iterator[str]:
    """Paths of non-free-text strings holding HTML (no export puts markup there)."""
    if isinstance(value, str):
        if _HTML.search(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in _FREE_TEXT:
                yield from _html_fields(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _html_fields(item, f"{path}[{index}]")


def _decode(raw: bytes | str) -> Any:
    size = len(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
    if size > MAX_BUNDLE_BYTES:
        raise BundleError(f"the file is {size / 2**20:.0f} MB; bundles are at most {MAX_BUNDLE_BYTES // 2**20} MB")
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise BundleError(f"the file is nested too deeply (at most {MAX_DEPTH} levels)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, BundleError):
            raise
        raise BundleError(f"not a JSON file ({exc.__class__.__name__}: {str(exc)[:120]})") from None
    if _depth(data) > MAX_DEPTH:
        raise BundleError(f"the file is nested too deeply (at most {MAX_DEPTH} levels)")
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BundleError("the file holds invalid text (a lone surrogate: not UTF-8)") from None
    return data


def _first_error(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    return f"field '{where}': {message[:200]}" if where else message[:200]


def parse_bundle(raw: bytes | str) -> list[RunRecord]:
    """The runs of a bundle, fully validated; BundleError says what is wrong."""
    data = _decode(raw)
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        raise BundleError("not an Inference Lens bundle (its 'format' field is missing or different)")
    if data.get("version") != BUNDLE_VERSION:
        raise BundleError(f"bundle version {str(data.get('version'))[:20]} is not supported "
                          f"(this app reads {BUNDLE_VERSION})")  # fmt: skip
    try:
        bundle = Bundle.model_validate(data)
    except ValidationError as exc:
        raise BundleError(_first_error(exc)) from None
    for number, run in enumerate(data["runs"], start=1):
        for found in _html_fields(run):
            raise BundleError(f"run {number}: field '{found}' contains HTML, which no Inference Lens export has there")
    return bundle.runs


def result_from_record(record: ResultRecord) -> RunResult:
    return RunResult.from_dict(record.model_dump())


def finite_tree(value: Any) -> Any:
    """NaN and infinities as null, so an export is standard JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_tree(v) for v in value]
    return value


def dump_bundle(bundle: dict[str, Any]) -> str:
    return json.dumps(finite_tree(bundle), indent=1, default=str, allow_nan=False)
