"""Load generation for the traffic experiment: fixed concurrency or Poisson arrivals over a prompt set.

A load level sends ``requests`` requests from the built-in prompt set, either keeping ``value``
requests in flight (concurrency, as in GuideLLM's concurrent profile) or sending them at random
times averaging ``value`` per second (Poisson arrivals, as in vLLM's serving benchmark). A level
stops sending at its time limit and ends the requests still running then (they come back stopped).

Local lanes run on worker threads (a model without batching answers one request at a time, so
the rest queue, and that wait is in their TTFT); endpoint lanes stream over one async HTTP client
with at most as many connections as requests in flight.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Annotated

import httpx
from pydantic import Field, model_validator

from inference_core.backends import BackendContext, create_backend
from inference_core.models import EXAMPLES, document_prompt, resolve_reference
from inference_core.runs import Lane, run_lane
from inference_core.types import MAX_NEW_TOKENS, Form, GenerationRequest, RunResult

LOAD_KINDS = ("concurrency", "rate")
MAX_ENDPOINT_CONCURRENCY = 256
MAX_LOCAL_CONCURRENCY = 64
MAX_REQUESTS = 10_000

SHORT_QUESTIONS = (
    "What is the capital of France?",
    "Why is the sky blue?",
    "Name three primary colours.",
    "What does a CPU do?",
    "How many legs does a spider have?",
    "What is photosynthesis?",
    "Who wrote Romeo and Juliet?",
    "What is the boiling point of water at sea level?",
    "Give me a synonym for happy.",
    "What is a prime number?",
    "How far is the Moon from the Earth?",
    "What language is spoken in Brazil?",
)
INSTRUCTIONS = (
    EXAMPLES["Request for a long answer"],
    "Explain to a ten-year-old how vaccines train the immune system, with one everyday comparison.",
    "Write a polite email to a landlord asking for a broken heater to be repaired this week.",
    "List five ways a small bakery could reduce food waste, with one sentence on each.",
    "Describe the water cycle in four steps, naming what drives each step.",
    "Compare trains and planes for a 500 km trip: time, cost, comfort and emissions.",
)
DOCUMENT_WORDS = (60, 120, 180, 240, 300, 360)
TRAFFIC_PROMPTS: tuple[str, ...] = (*SHORT_QUESTIONS, *INSTRUCTIONS, *(document_prompt(n) for n in DOCUMENT_WORDS))
PROMPT_SET_SPREAD = (
    f"{len(TRAFFIC_PROMPTS)} prompts, sent in turn: {len(SHORT_QUESTIONS)} short questions (4-11 tokens of text), "
    f"{len(INSTRUCTIONS)} instructions (14-36) and {len(DOCUMENT_WORDS)} documents with a question (100-440), "
    "counted with SmolLM2's tokenizer before the chat template (SmolLM2's adds 30)"
)


class LoadError(ValueError):
    """A load that cannot run as asked; the message is for the user."""


OutputLength = Annotated[int, Field(ge=1, le=MAX_NEW_TOKENS)]
"""An output length is a max_new_tokens: the settings' bound (the operator's limit applies when a sweep asks)."""


class OutputLengths(Form):
    """Each request's pinned output length: the lane's own, or drawn uniformly from ``low``-``high``."""

    low: OutputLength | None = None
    high: OutputLength | None = None

    @model_validator(mode="after")
    def _ordered(self) -> OutputLengths:
        if (self.low is None) != (self.high is None) or (self.low or 0) > (self.high or 0):
            raise ValueError(f"must be N or LOW-HIGH with LOW <= HIGH, got {self.low}-{self.high}")
        return self

    @classmethod
    def parse(cls, text: str | None) -> OutputLengths:
        """``""`` (the lane's ``max_new_tokens``), ``N`` or ``LOW-HIGH``."""
        if not text or not text.strip():
            return cls()
        low, _, high = text.strip().partition("-")
        try:
            low_n, high_n = int(low), int(high or low)
        except ValueError:
            raise LoadError(f"output tokens must be N or LOW-HIGH (whole numbers), got {text[:40]!r}") from None
        try:
            return cls(low=low_n, high=high_n)
        except ValueError as exc:
            raise LoadError(f"output tokens: {exc}") from None

    def draw(self, default: int, rng: random.Random) -> int:
        if self.low is None or self.high is None:
            return default
        return rng.randint(self.low, self.high)

    def __str__(self) -> str:
        return "" if self.low is None else (f"{self.low}" if self.low == self.high else f"{self.low}-{self.high}")


@dataclass(frozen=True)
class Load:
    """One load level: ``value`` requests in flight, or ``value`` requests per second on average."""

    kind: str
    value: float
    requests: int
    time_limit_s: float = 300.0
    output_lengths: OutputLengths = field(default_factory=OutputLengths)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.kind not in LOAD_KINDS:
            raise LoadError(f"load must be one of {', '.join(LOAD_KINDS)}, got {self.kind!r}")
        if self.kind == "concurrency" and not (float(self.value).is_integer() and self.value >= 1):
            raise LoadError(f"concurrency must be a whole number of at least 1, got {self.value:g}")
        if self.kind == "rate" and not 0 < self.value <= 1000:
            raise LoadError(f"request rate must be above 0 and at most 1000 per second, got {self.value:g}")
        if not float(self.requests).is_integer() or not 1 <= self.requests <= MAX_REQUESTS:
            raise LoadError(f"requests per level must be between 1 and {MAX_REQUESTS:,}, got {self.requests}")
        if not 0 < self.time_limit_s <= 24 * 3600:
            raise LoadError(f"the time limit must be above 0 and at most a day, got {self.time_limit_s:g} s")

    def in_flight(self, cap: int) -> int:
        """The most requests this level has running at once (rate: arrived and not finished, at most ``cap``)."""
        if self.kind == "concurrency":
            if self.value > cap:
                raise LoadError(f"at most {cap} requests at once here, got {self.value:g}")
            return min(int(self.value), self.requests)
        return min(cap, self.requests)

    def arrivals(self) -> list[float]:
        """When each request is sent, in seconds from the level's start (rate: Poisson; concurrency: 0)."""
        if self.kind == "concurrency":
            return [0.0] * self.requests
        rng = random.Random(self.seed)
        offsets, now = [], 0.0
        for _ in range(self.requests):
            offsets.append(now)
            now += rng.expovariate(self.value)
        return offsets


@dataclass(frozen=True)
class RequestRecord:
    """One request of a load level: which prompt, when it was sent, what came back."""

    index: int
    prompt_index: int
    sent_s: float
    """Seconds from the level's start to sending it."""
    done_s: float
    """Seconds from the level's start to its last token (or failure)."""
    result: RunResult
    cut: bool = False
    """Still running at the level's time limit (ended there)."""


@dataclass(frozen=True)
class LevelRun:
    load: Load
    records: tuple[RequestRecord, ...]
    duration_s: float
    """From the first request sent to the last one finished."""


def run_level(
    lane: Lane,
    load: Load,
    context: BackendContext,
    stop: threading.Event | None = None,
    on_record: Callable[[RequestRecord], None] | None = None,
    prompts: Sequence[str] = TRAFFIC_PROMPTS,
) -> LevelRun:
    """Send one load level's requests to ``lane``; every request comes back as a record, failures included.

    The level is one admitted job: it takes no generation slot per request (the operator's queue
    admits the experiment, not each of its requests)."""
    remote = resolve_reference(lane.ref).source == "endpoint"
    in_flight = load.in_flight(MAX_ENDPOINT_CONCURRENCY if remote else MAX_LOCAL_CONCURRENCY)
    level = _Level(lane, load, context, stop or threading.Event(), on_record, prompts, remote, in_flight)
    with ThreadPoolExecutor(1, thread_name_prefix="traffic-loop") as loop_thread:
        # its own thread and event loop, whatever the caller's thread runs (Playwright, a server)
        return loop_thread.submit(asyncio.run, level.drive()).result()


class _Level:
    def __init__(
        self,
        lane: Lane,
        load: Load,
        context: BackendContext,
        stop: threading.Event,
        on_record: Callable[[RequestRecord], None] | None,
        prompts: Sequence[str],
        remote: bool,
        in_flight: int,
    ) -> None:
        self.lane, self.load, self.context, self.on_record = lane, load, context, on_record
        self.prompts, self.remote, self.in_flight = prompts, remote, in_flight
        self.user_stop = stop
        self.cut = threading.Event()
        """Set at the time limit or on the user's Stop: running requests end, no more are sent."""
        rng = random.Random(load.seed)
        self.lengths = [load.output_lengths.draw(lane.settings.max_new_tokens, rng) for _ in range(load.requests)]
        self.records: list[RequestRecord] = []
        self._recording = ThreadPoolExecutor(1, thread_name_prefix="traffic-record")
        """Runs ``on_record`` (saving) one record at a time, off the event loop."""

    async def drive(self) -> LevelRun:
        started = time.perf_counter()
        limit = asyncio.Semaphore(self.in_flight)
        executor = None if self.remote else ThreadPoolExecutor(self.in_flight, thread_name_prefix="traffic")
        client = _async_client(self.in_flight) if self.remote else None
        watch = asyncio.create_task(self._watch(started))
        tasks = []
        try:
            for index, offset in enumerate(self.load.arrivals()):
                await asyncio.sleep(max(0.0, started + offset - time.perf_counter()))
                await limit.acquire()
                if self.cut.is_set():
                    limit.release()
                    break
                tasks.append(asyncio.create_task(self._one(index, started, limit, executor, client)))
            await asyncio.gather(*tasks)
        finally:
            watch.cancel()
            if client is not None:
                await client.aclose()
            if executor is not None:
                executor.shutdown(wait=True)
            self._recording.shutdown(wait=True)
        self.records.sort(key=lambda r: r.index)
        first = min((r.sent_s for r in self.records), default=0.0)
        last = max((r.done_s for r in self.records), default=0.0)
        return LevelRun(self.load, tuple(self.records), max(last - first, 0.0))

    async def _watch(self, started: float) -> None:
        while not self.user_stop.is_set() and time.perf_counter() - started < self.load.time_limit_s:
            await asyncio.sleep(0.05)
        self.cut.set()

    async def _one(
        self,
        index: int,
        started: float,
        limit: asyncio.Semaphore,
        executor: ThreadPoolExecutor | None,
        client: httpx.AsyncClient | None,
    ) -> None:
        prompt_index = index % len(self.prompts)
        n = self.lengths[index]
        lane = Lane(self.lane.ref, self.lane.settings.replace(max_new_tokens=n, min_new_tokens=n))
        sent = time.perf_counter() - started
        try:
            if client is not None:
                result = await _run_remote(lane, self.prompts[prompt_index], self.context, client, self.cut)
            else:
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(
                    executor, lambda: run_lane(index, lane, self.prompts[prompt_index], self.context,
                                               stop=self.cut, gated=False),
                )  # fmt: skip
        finally:
            limit.release()
        record = RequestRecord(index, prompt_index, sent, time.perf_counter() - started, result,
                               cut=result.stopped and not self.user_stop.is_set())  # fmt: skip
        self.records.append(record)
        if self.on_record is not None:  # saving, off the event loop (other requests' chunks are stamped there)
            await asyncio.get_running_loop().run_in_executor(self._recording, self.on_record, record)


def _async_client(connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(limits=limits, follow_redirects=False)


async def _run_remote(
    lane: Lane, prompt: str, context: BackendContext, client: httpx.AsyncClient, stop: threading.Event
) -> RunResult:
    spec = resolve_reference(lane.ref)
    backend = create_backend("openai", context)
    return await backend.run_async(0, spec, GenerationRequest(prompt, lane.settings), client, stop)
