"""The bundle format that moves saved runs between machines, validated by a schema.

A bundle is hostile until validated: its size is bounded before it is read, its nesting
before it is walked, and every field's type and range by the pydantic models below. A
bundle with any invalid field is refused whole, with a message naming the field.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import IO, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from inference_core.measure import REPORT_DATA_ID
from inference_core.types import RunResult, StoredRun, problem

BUNDLE_FORMAT = "inference-lens-bundle"
BUNDLE_VERSION = 1
MAX_BUNDLE_BYTES = 64 * 2**20
"""What import reads, and so what export writes: a run of six lanes at the default answer cap (4 MB each, its
text and its tokens) fits."""
MAX_DEPTH = 16
MAX_RECORDED_S = 3600.0
"""Longest time a bundle's result may record: a replay of it never takes more than an hour."""
MAX_COUNT = 10_000_000
"""Most tokens a bundle's result may count."""

_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
_FREE_TEXT = {"prompt", "text", "token_texts", "top_logprobs", "title", "error", "notes"}
"""Fields that hold user or model text: stored as is and always rendered escaped."""


class BundleError(ValueError):
    """A bundle that cannot be imported; the message is for the user."""

    for_user = True


class Bundle(BaseModel):
    """The file: its format and version, and the runs in the history's own schema (``StoredRun``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["inference-lens-bundle"]
    version: Literal[1]
    exported_at: str = ""
    runs: Annotated[list[StoredRun], Field(max_length=100_000)]


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


def _from_report(raw: bytes | str) -> bytes | str:
    """An HTML report's embedded run as a bundle (a report is a bundle of one run); anything else as it is."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if not text[:200].lstrip().lower().startswith(("<!doctype html", "<html")):
        return raw
    found = re.search(rf"""<script[^>]*\bid=["']?{REPORT_DATA_ID}["']?[^>]*>""", text)
    if found is None:
        raise BundleError("an HTML file, but not an Inference Lens report (it holds no embedded data)")
    end = text.find("</script>", found.end())
    data = _decode(text[found.end() : end if end >= 0 else len(text)])
    if not isinstance(data, dict) or not isinstance(data.get("run"), dict):
        raise BundleError("this report holds no saved run to import")
    return json.dumps({"format": BUNDLE_FORMAT, "version": BUNDLE_VERSION, "runs": [data["run"]]})


def parse_bundle(raw: bytes | str) -> list[StoredRun]:
    """The runs of a bundle (or of an HTML report), fully validated; BundleError says what is wrong."""
    data = _decode(_from_report(raw))
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        raise BundleError("not an Inference Lens bundle (its 'format' field is missing or different)")
    if data.get("version") != BUNDLE_VERSION:
        raise BundleError(f"bundle version {str(data.get('version'))[:20]} is not supported "
                          f"(this app reads {BUNDLE_VERSION})")  # fmt: skip
    try:
        bundle = Bundle.model_validate_json(json.dumps(data), strict=True)  # JSON mode: arrays are tuples
    except ValidationError as exc:
        raise BundleError(problem(exc)) from None
    for number, run in enumerate(data["runs"], start=1):
        for found in _html_fields(run):
            raise BundleError(f"run {number}: field '{found}' contains HTML, which no Inference Lens export has there")
    for run_number, run in enumerate(bundle.runs):
        for lane in run.lanes:
            _recorded_bounds(lane.result, f"runs.{run_number}.lanes.{lane.lane}.result")
    return bundle.runs


def _recorded_bounds(result: RunResult, where: str) -> None:
    """What a replay would wait for and count stays within an hour and MAX_COUNT tokens."""
    times = {name: getattr(result, name) for name in ("ttft_s", "tpot_s", "e2e_s", "itl_p50_s", "itl_p95_s",
                                                       "server_ttft_s")}  # fmt: skip
    times["token_times_s"] = max(result.token_times_s, default=None)
    times["itl_s"] = max(result.itl_s, default=None)
    for name, seconds in times.items():
        if seconds is not None and seconds > MAX_RECORDED_S:
            raise BundleError(f"{where}.{name}: {seconds:g} s is over the {MAX_RECORDED_S:g} s a bundle may record")
    for name in ("tokens_in", "tokens_out"):
        if getattr(result, name) > MAX_COUNT:
            raise BundleError(f"{where}.{name}: more than {MAX_COUNT:,} tokens")


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
    """The bundle as standard JSON; BundleError when it is larger than import reads (export fewer runs)."""
    text = json.dumps(finite_tree(bundle), indent=1, default=str, allow_nan=False)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BUNDLE_BYTES:
        raise BundleError(f"the export would be {size / 2**20:.0f} MB, and import reads bundles of at most "
                          f"{MAX_BUNDLE_BYTES // 2**20} MB: export fewer runs at a time")  # fmt: skip
    return text
