"""OpenAI-compatible ``/v1/chat/completions`` over streaming HTTP (SSE), timed at the client.

Each chunk is stamped when it is read. Token counts come from the server's ``usage``
(``stream_options.include_usage``) or, without it, from re-tokenizing the text with the
served model's tokenizer when it is known; the result says which. TTFT here includes the
network and the server's queue; a server that reports its own timings (llama.cpp's
``timings``) also gets ``server_ttft_s``.

One transport, on ``httpx.AsyncClient``: streaming, retries, the total deadline, Stop, per-chunk
timing and IP pinning live in one coroutine. ``run`` (a lane's thread) drives it in an event loop of
its own with retries; ``run_async`` (the traffic experiment) drives it on a shared client, one try.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import math
import threading
import time
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Event
from typing import Annotated, Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from inference_core.backends.registry import BackendContext, EventSink, register_backend
from inference_core.backends.results import failed_result, measured_result
from inference_core.measure import now_iso
from inference_core.models import CheckedUrl, EndpointError, allow_private_default, check_base_url, size_text
from inference_core.types import GenerationRequest, ModelSpec, RunResult, StatusEvent, TokenEvent

_TOKENIZER_LOCK = threading.Lock()
STATUS_MESSAGES = {
    400: "the server rejected the request (400)",
    401: "unauthorized (401): the API key is missing or wrong",
    403: "forbidden (403): this key may not use this model",
    404: "not found (404): check the base URL and the model name",
    408: "the server timed out the request (408)",
    413: "the prompt is too large for this server (413)",
    422: "the server could not process the request (422)",
    429: "rate limited (429): too many requests or tokens; try again later",
    500: "the server failed (500)",
    502: "bad gateway (502): the server behind the proxy is down",
    503: "the server is unavailable or overloaded (503)",
    504: "gateway timeout (504)",
}


class StreamFault(Exception):
    """A failure with a message for the user; ``retry`` when trying once more may help.

    ``partial`` is what the stream delivered before the failure (kept in the result)."""

    def __init__(self, message: str, retry: bool = False) -> None:
        super().__init__(message)
        self.retry = retry
        self.partial: _Stream | None = None


@dataclasses.dataclass
class _Stream:
    """What one streamed answer produced."""

    times: list[float] = dataclasses.field(default_factory=list)
    pieces: list[str] = dataclasses.field(default_factory=list)
    usage: dict[str, Any] = dataclasses.field(default_factory=dict)
    timings: dict[str, Any] = dataclasses.field(default_factory=dict)
    finish_reason: str | None = None
    done: bool = False
    logprobs: list[float] = dataclasses.field(default_factory=list)
    top_logprobs: list[tuple[tuple[str, float], ...]] = dataclasses.field(default_factory=list)
    answer_bytes: int = 0
    impossible_logprobs: int = 0
    """Log-probabilities a server sent that cannot be one (positive or not finite): dropped."""
    extra_alternatives: int = 0
    """Alternatives a server sent past the count asked for: dropped."""


@dataclasses.dataclass(frozen=True)
class _Call:
    """One attempt at one lane's request."""

    lane: int
    spec: ModelSpec
    request: GenerationRequest
    target: CheckedUrl
    pin: bool
    on_event: EventSink
    requested: float


@dataclasses.dataclass
class _Outcome:
    """How one request ended: what it streamed, and the fault that ended it (None when it finished or stopped)."""

    call: _Call
    stream: _Stream
    notes: list[str]
    fault: StreamFault | None = None
    stopped: bool = False


class _SseEvents:
    """Lines of an SSE stream in, ``data`` payloads out; multi-line data joined, comments skipped."""

    def __init__(self) -> None:
        self._buffer: list[str] = []

    def feed(self, line: str) -> str | None:
        if line == "":
            return self.flush()
        if line.startswith("data:"):
            self._buffer.append(line[5:].removeprefix(" "))
        return None

    def flush(self) -> str | None:
        data, self._buffer = ("\n".join(self._buffer) if self._buffer else None), []
        return data


async def _sse_data(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """The ``data`` payloads of an SSE stream."""
    events = _SseEvents()
    async for line in lines:
        data = events.feed(line)
        if data is not None:
            yield data
    data = events.flush()
    if data is not None:
        yield data


UNPINNED_NOTE = "output length could not be pinned: the server rejects min_tokens/ignore_eos"


def _pinning_refused(fault: StreamFault) -> bool:
    return "Unexpected fields" in str(fault) or "min_tokens" in str(fault)


def _no_events(_event: TokenEvent | StatusEvent) -> None:
    return None


async def _until_stopped(work: Coroutine[Any, Any, None], stop: Event, ends: float, deadline_s: float) -> None:
    """Await ``work`` unless Stop is set first (then it is cancelled and this returns) or ``ends`` passes."""
    task = asyncio.ensure_future(work)
    try:
        while not task.done():
            if stop.is_set():
                return
            if time.perf_counter() > ends:
                raise StreamFault(f"gave up after the total deadline of {deadline_s:g} s: the server kept the "
                                  "request open without finishing it")  # fmt: skip
            await asyncio.wait({task}, timeout=0.02)
        task.result()
    finally:
        if not task.done():  # cancelled, and awaited so that its connection is closed now
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def _run_in_own_loop(work: Coroutine[Any, Any, RunResult]) -> RunResult:
    """Run ``work`` in an event loop of its own: on this thread, or on a helper thread when this one
    already runs a loop (under Playwright's sync API or a server's thread; asyncio.run cannot nest)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(1, thread_name_prefix="http-lane") as thread:
        return thread.submit(asyncio.run, work).result()


def _error_text(body: Any) -> str:
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error.get("type") or error)[:300]
    return str(error or body.get("detail", body) if isinstance(body, dict) else body)[:300]


def _http_fault(response: httpx.Response) -> StreamFault:
    """The fault for a non-200 answer (its body already read)."""
    text = response.text[:2000]
    kind = response.headers.get("content-type", "")
    if "html" in kind or text.lstrip().lower().startswith(("<!doctype", "<html")):
        return StreamFault(f"the server answered {response.status_code} with an HTML page, not an API response "
                           "(is the base URL right? it usually ends in /v1)")  # fmt: skip
    try:
        detail = _error_text(json.loads(text))
    except ValueError:
        detail = text.strip()[:200]
    base = STATUS_MESSAGES.get(response.status_code, f"HTTP {response.status_code}")
    retry = response.status_code in (429, 500, 502, 503, 504)
    return StreamFault(f"{base}: {detail}" if detail else base, retry=retry)


@register_backend("openai")
class OpenAIHttpBackend:
    name = "openai"

    def __init__(self, context: BackendContext) -> None:
        self._context = context

    def count_tokens(self, spec: ModelSpec, prompt: str) -> int:
        tokenizer = _tokenizer_for(spec.served_model)
        if tokenizer is None:
            raise ValueError(f"{spec.name}: the served model's tokenizer is not on this machine")
        with _TOKENIZER_LOCK:
            return len(tokenizer(prompt)["input_ids"])

    def _payload(self, spec: ModelSpec, request: GenerationRequest, pin: bool) -> dict[str, Any]:
        s = request.settings
        payload: dict[str, Any] = {
            "model": spec.served_model,
            "messages": [{"role": "user", "content": request.prompt}],
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_tokens": s.max_new_tokens,
            "temperature": s.temperature,
        }
        if not s.greedy:
            payload |= {"top_p": s.top_p, "seed": s.seed}
        if pin and s.min_new_tokens:
            payload |= {"min_tokens": s.min_new_tokens, "ignore_eos": s.min_new_tokens >= s.max_new_tokens}
        if s.logprobs:
            payload |= {"logprobs": True, "top_logprobs": s.logprobs}
        return payload

    def run(
        self,
        lane: int,
        spec: ModelSpec,
        request: GenerationRequest,
        on_event: EventSink,
        stop: Event,
    ) -> RunResult:
        """Stream one answer, retrying a failed try; every message and text is redacted of the session's keys.

        The transport runs in an event loop of its own on this (the lane's) thread, on a client of its own."""
        redact = self._context.keys.redact

        def redacted(event: TokenEvent | StatusEvent) -> None:
            if isinstance(event, TokenEvent):
                on_event(dataclasses.replace(event, text=redact(event.text)))
            else:
                on_event(dataclasses.replace(event, detail=redact(event.detail)))

        async def on_own_client() -> RunResult:
            async with httpx.AsyncClient(follow_redirects=False) as client:
                return await self._answer(lane, spec, request, client, stop, redacted, self._context.http.retries)

        return _run_in_own_loop(on_own_client())

    async def run_async(
        self, lane: int, spec: ModelSpec, request: GenerationRequest, client: httpx.AsyncClient, stop: Event
    ) -> RunResult:
        """Stream one answer over a shared async client (the traffic experiment's many requests at once).

        One attempt, no retries (a load test counts failures); Stop and the total deadline end it."""
        return await self._answer(lane, spec, request, client, stop, _no_events, retries=0)

    async def _answer(
        self,
        lane: int,
        spec: ModelSpec,
        request: GenerationRequest,
        client: httpx.AsyncClient,
        stop: Event,
        on_event: EventSink,
        retries: int,
    ) -> RunResult:
        """Check the URL, stream the answer, measure it; the result redacted of the session's keys.

        The check (it resolves the host) and the token counting (it may re-tokenize) run off the event
        loop, so the chunks of other requests on it are stamped on time."""
        started_at = now_iso()
        allow_private = allow_default(self._context.allow_private_endpoints)
        try:
            target = await asyncio.to_thread(check_base_url, spec.location, allow_private=allow_private)
        except EndpointError as exc:
            on_event(StatusEvent(lane, "error", str(exc)))
            return self._redacted(failed_result(spec, request.settings, self.name, str(exc), started_at=started_at))
        call = _Call(lane, spec, request, target, bool(request.settings.min_new_tokens), on_event, time.perf_counter())
        outcome = await self._attempts(call, client, stop, retries)
        return self._redacted(await asyncio.to_thread(self._finish, outcome, started_at))

    def _redacted(self, result: RunResult) -> RunResult:
        redact = self._context.keys.redact
        return result.replace(
            error=redact(result.error), text=redact(result.text),
            token_texts=tuple(redact(piece) for piece in result.token_texts),
            notes=tuple(redact(note) for note in result.notes),
        )  # fmt: skip

    async def _attempts(self, call: _Call, client: httpx.AsyncClient, stop: Event, retries: int) -> _Outcome:
        """Send the request until it streams to the end, is stopped, or fails for good.

        A server that refuses vLLM's pinning fields is asked again without them; a fault worth
        retrying is tried up to ``retries`` more times, 0.5 s apart; one total deadline covers all."""
        limits = self._context.http
        ends = time.perf_counter() + limits.deadline_s
        notes: list[str] = []
        attempt = 0
        while True:
            call.on_event(StatusEvent(call.lane, "prefill", f"sending to {call.target.base_url}"))
            call = dataclasses.replace(call, requested=time.perf_counter())
            stream = _Stream()
            try:
                await _until_stopped(self._request(call, client, stream), stop, ends, limits.deadline_s)
                if not stream.done and stream.finish_reason is None and not stop.is_set():
                    raise StreamFault(f"the stream ended early: no finish_reason and no [DONE] after "
                                      f"{len(stream.pieces)} chunks", retry=not stream.pieces)  # fmt: skip
            except Exception as exc:  # transport errors, the deadline: a failed request, never a crash
                fault = _as_fault(exc, call.target.base_url, limits, stream)
                fault.partial = stream
                if call.pin and _pinning_refused(fault):
                    call = dataclasses.replace(call, pin=False)  # a server without vLLM's fields: ask again
                    notes.append(UNPINNED_NOTE)
                    continue
                if fault.retry and attempt < retries and not stop.is_set() and time.perf_counter() < ends - 1:
                    attempt += 1
                    notes.append(f"retried once after: {fault}")
                    await _until_stopped(asyncio.sleep(0.5), stop, ends, limits.deadline_s)
                    continue
                call.on_event(StatusEvent(call.lane, "error", str(fault)))
                return _Outcome(call, stream, notes, fault)
            stopped = stop.is_set() and not stream.done
            call.on_event(StatusEvent(call.lane, "stopped" if stopped else "done"))
            return _Outcome(call, stream, notes, stopped=stopped)

    async def _request(self, call: _Call, client: httpx.AsyncClient, result: _Stream) -> None:
        """One try: POST to the checked address, each chunk of the answer stamped as it is read."""
        limits = self._context.http
        headers, payload, url, extensions = self._prepared(call)
        async with client.stream(
            "POST", url, json=payload, headers=headers, extensions=extensions,
            timeout=httpx.Timeout(limits.read_s, connect=limits.connect_s),
        ) as response:  # fmt: skip
            if response.status_code != 200:
                await response.aread()
                raise _http_fault(response)
            if "html" in response.headers.get("content-type", ""):
                raise StreamFault("the server answered with an HTML page, not an event stream")
            async with contextlib.aclosing(_sse_data(response.aiter_lines())) as events:
                async for data in events:
                    if self._take(call, data, result):
                        return

    def _prepared(self, call: _Call) -> tuple[dict[str, str], dict[str, Any], httpx.URL, dict[str, Any]]:
        """Headers (with the key), body, and the URL aimed at the checked address."""
        headers = {"Accept": "text/event-stream"}
        key = self._context.keys.key_for(call.target.base_url)
        if key:
            headers["Authorization"] = f"Bearer {key.reveal()}"
        url, extensions = _pinned(call.target, headers)
        return headers, self._payload(call.spec, call.request, call.pin), url, extensions

    def _finish(self, outcome: _Outcome, started_at: str) -> RunResult:
        """The measured result; a failed request keeps what was streamed before the failure."""
        call, fault = outcome.call, outcome.fault
        if fault is None:
            return self._result(outcome, started_at)
        if not outcome.stream.pieces:
            return failed_result(call.spec, call.request.settings, self.name, str(fault), started_at=started_at)
        kept = self._result(outcome, started_at)
        return kept.replace(ok=False, error=f"{fault} (kept the {len(kept.token_texts)} "
                                   "chunks received before it)")  # fmt: skip

    def _take(self, call: _Call, data: str, result: _Stream) -> bool:
        """Take one SSE data payload into ``result``, stamped now; True at ``[DONE]``."""
        lane, on_event, requested = call.lane, call.on_event, call.requested
        if data.strip() == "[DONE]":
            result.done = True
            return True
        try:
            event = json.loads(data)
        except ValueError:
            raise _malformed(data) from None
        if not isinstance(event, dict):
            raise _malformed(data)
        if "error" in event:
            raise StreamFault(f"the server reported an error mid-stream: {_error_text(event)}")
        stamp = time.perf_counter()
        result.usage = _mapping(event, "usage", data) or result.usage
        result.timings = _mapping(event, "timings", data) or result.timings
        for choice, piece in _choices(event, data):
            result.finish_reason = choice.get("finish_reason") or result.finish_reason
            _keep_logprobs(choice, result, call.request.settings.logprobs)
            self._check_size(piece, result)
            if piece:
                if not result.times:
                    on_event(StatusEvent(lane, "decoding"))
                result.times.append(stamp - requested)
                result.pieces.append(piece)
                on_event(TokenEvent(lane, len(result.times) - 1, -1, piece, stamp, stamp - requested))
        cap = int(call.request.settings.max_new_tokens * self._context.http.max_output_factor) + 16
        if len(result.pieces) > cap:
            raise StreamFault(f"the server kept streaming past {cap} chunks for max_new_tokens="
                              f"{call.request.settings.max_new_tokens}: cut off")  # fmt: skip
        return False

    def _check_size(self, piece: str, result: _Stream) -> None:
        """Cut a stream whose chunk or answer is past the deployment's caps (what came before is kept)."""
        size = len(piece.encode("utf-8", "surrogatepass"))
        result.answer_bytes += size
        token_cap, answer_cap = self._context.http.max_token_bytes, self._context.http.max_answer_bytes
        if token_cap is not None and size > token_cap:
            raise StreamFault(f"the server sent one chunk of {size_text(size)}, over this deployment's cap of "
                              f"{size_text(token_cap)} per token (max_token_bytes): cut off")  # fmt: skip
        if answer_cap is not None and result.answer_bytes > answer_cap:
            raise StreamFault(f"the answer grew past this deployment's cap of {size_text(answer_cap)} "
                              "(max_answer_bytes): cut off")  # fmt: skip

    def _result(self, outcome: _Outcome, started_at: str) -> RunResult:
        spec, request, stream, notes = outcome.call.spec, outcome.call.request, outcome.stream, outcome.notes
        stopped, requested = outcome.stopped, outcome.call.requested
        text = "".join(stream.pieces)
        tokens_in, tokens_out, per_chunk, source = self._count(spec, request.prompt, stream)
        if not stream.done and stream.finish_reason:
            notes.append("the stream ended without [DONE] (after a finish_reason)")
        server_ttft = stream.timings.get("prompt_ms")
        if request.settings.logprobs and not stream.logprobs:
            notes.append("logprobs were asked for but the server returned none")
        if stream.usage and _usage(stream.usage) is None:
            notes.append(f"the server's usage block was malformed ({json.dumps(stream.usage)[:120]}): ignored, "
                         "the tokens were counted from the text")  # fmt: skip
        if stream.impossible_logprobs or stream.extra_alternatives:
            notes.append(f"dropped {stream.impossible_logprobs:,} impossible log-probabilities (positive or not "
                         f"finite) and {stream.extra_alternatives:,} alternatives past the "
                         f"{request.settings.logprobs} asked for")  # fmt: skip
        return measured_result(
            spec, request.settings, self.name, text=text, tokens_in=tokens_in or 0, token_times_s=stream.times,
            tokens_out=len(stream.pieces) if stopped else tokens_out, token_texts=tuple(stream.pieces),
            stopped=stopped, started_at=started_at, request_epoch_s=time.time() - (time.perf_counter() - requested),
            notes=tuple(notes), tokens_per_chunk=() if stopped else per_chunk,
            token_count_source="chunks (stopped)" if stopped else source,
            server_ttft_s=server_ttft / 1000 if isinstance(server_ttft, int | float) and not stopped else None,
            token_logprobs=tuple(stream.logprobs), top_logprobs=tuple(stream.top_logprobs),
        )  # fmt: skip

    def _count(self, spec: ModelSpec, prompt: str, stream: _Stream) -> tuple[int | None, int, tuple[int, ...], str]:
        """(tokens in, tokens out, tokens per chunk, where the counts came from)."""
        with _TOKENIZER_LOCK:  # fast tokenizers fail under concurrent use
            return self._count_locked(spec, prompt, stream)

    def _count_locked(
        self, spec: ModelSpec, prompt: str, stream: _Stream
    ) -> tuple[int | None, int, tuple[int, ...], str]:
        tokenizer = _tokenizer_for(spec.served_model)
        per_chunk = (
            tuple(len(tokenizer.encode(p, add_special_tokens=False)) for p in stream.pieces) if tokenizer else ()
        )
        usage = _usage(stream.usage)
        if usage is not None and usage.completion_tokens is not None:
            return usage.prompt_tokens, usage.completion_tokens, per_chunk, "server usage"
        if tokenizer is not None:
            tokens_in = len(tokenizer(prompt)["input_ids"])
            return tokens_in, sum(per_chunk), per_chunk, f"re-tokenized with {spec.served_model}'s tokenizer"
        return None, len(stream.pieces), (), "chunks (no usage and no known tokenizer: one token per chunk assumed)"


class Usage(BaseModel):
    """The OpenAI ``usage`` block, as far as it is read: token counts, whole numbers within reason."""

    model_config = ConfigDict(extra="ignore")

    prompt_tokens: Annotated[int, Field(strict=True, ge=0, le=10_000_000)] | None = None
    completion_tokens: Annotated[int, Field(strict=True, ge=0, le=10_000_000)] | None = None


def _usage(raw: dict[str, Any]) -> Usage | None:
    """The server's usage, or None when it is malformed (the answer is kept; the counts come from the text)."""
    try:
        return Usage.model_validate(raw)
    except ValidationError:
        return None


def _possible(value: Any) -> bool:
    """A log-probability is a finite number at most 0."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value <= 0


def _keep_logprobs(choice: dict[str, Any], stream: _Stream, asked: int) -> None:
    """The OpenAI ``logprobs.content`` entries of a chunk (token, logprob, top_logprobs). Malformed entries are
    skipped; impossible values (positive, not finite) and alternatives past the ``asked`` count are dropped and
    counted, for the lane's note."""
    content = (choice.get("logprobs") or {}).get("content") if isinstance(choice.get("logprobs"), dict) else None
    for entry in content if isinstance(content, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("logprob"), int | float):
            continue
        if not _possible(entry["logprob"]):
            stream.impossible_logprobs += 1
            continue
        stream.logprobs.append(max(float(entry["logprob"]), -1e4))
        top = entry.get("top_logprobs") if isinstance(entry.get("top_logprobs"), list) else []
        possible = [t for t in top if isinstance(t, dict) and _possible(t.get("logprob"))]
        valid = possible[: max(asked, 0)]
        stream.impossible_logprobs += len(top) - len(possible)
        stream.extra_alternatives += len(possible) - len(valid)
        stream.top_logprobs.append(tuple((str(t.get("token", ""))[:1000], max(float(t["logprob"]), -1e4))
                                         for t in valid))  # fmt: skip


def _malformed(data: str) -> StreamFault:
    return StreamFault(f"malformed event in the stream: {data[:80]!r}")


def _mapping(event: dict[str, Any], name: str, data: str) -> dict[str, Any]:
    """An optional object field of an event ({} when absent); anything else is malformed."""
    value = event.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _malformed(data)
    return value


def _choices(event: dict[str, Any], data: str) -> Iterator[tuple[dict[str, Any], str]]:
    """(choice, content) pairs of a chunk, each checked for the types the API promises."""
    choices = event.get("choices") or []
    if not isinstance(choices, list):
        raise _malformed(data)
    for choice in choices:
        if not isinstance(choice, dict):
            raise _malformed(data)
        delta = choice.get("delta") or {}
        content = delta.get("content") if isinstance(delta, dict) else None
        if not isinstance(delta, dict) or not isinstance(content, str | None):
            raise _malformed(data)
        if not isinstance(choice.get("finish_reason"), str | None):
            raise _malformed(data)
        yield choice, content or ""


def _pinned(target: CheckedUrl, headers: dict[str, str]) -> tuple[httpx.URL, dict[str, Any]]:
    """The request URL aimed at the checked address, with the original host in Host and TLS SNI."""
    url = httpx.URL(f"{target.base_url}/chat/completions")
    if target.address is None:
        return url, {}
    headers["Host"] = url.netloc.decode("ascii")
    return url.copy_with(host=target.address), {"sni_hostname": target.host}


def _as_fault(exc: BaseException, base_url: str, limits: Any, result: _Stream) -> StreamFault:
    """A transport exception as a plain message; retry only when nothing was streamed yet."""
    fresh = not result.pieces
    if isinstance(exc, StreamFault):
        return exc
    if isinstance(exc, httpx.ConnectTimeout):
        return StreamFault(f"no connection within {limits.connect_s:g} s to {base_url}", retry=True)
    if isinstance(exc, httpx.ReadTimeout):
        waited = "its first byte" if not result.times else "the next chunk"
        return StreamFault(f"the server accepted the request but sent nothing for {limits.read_s:g} s "
                           f"(waiting for {waited})", retry=fresh)  # fmt: skip
    if isinstance(exc, httpx.ConnectError):
        cause = str(exc.__cause__ or exc).replace("[Errno 111] ", "")
        return StreamFault(f"cannot connect to {base_url}: {cause}", retry=True)
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return StreamFault(f"the connection broke mid-stream after {len(result.pieces)} chunks "
                           f"({type(exc).__name__})", retry=fresh)  # fmt: skip
    if isinstance(exc, httpx.HTTPError):
        return StreamFault(f"HTTP error: {type(exc).__name__}: {exc}")
    return StreamFault(f"{type(exc).__name__}: {exc}")


def allow_default(value: bool | None) -> bool:
    return allow_private_default() if value is None else value


@functools.lru_cache(maxsize=8)
def _tokenizer_for(model: str) -> Any:
    """The served model's tokenizer when it is a local model folder; None otherwise."""
    folder = Path(model)
    if not (folder.is_dir() and (folder / "tokenizer_config.json").is_file()):
        return None
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(folder)
