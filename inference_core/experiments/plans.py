"""Experiment plans: the explainer's claims as sweeps of points.

Each experiment has one small planner in ``PLANNERS``; a planner turns the chosen models
and values into points (a lane, a prompt and the swept variable's value). To add an
experiment, add its description to ``EXPERIMENTS`` and register a planner.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field

from inference_core.experiments.traffic import (
    MAX_ENDPOINT_CONCURRENCY,
    MAX_LOCAL_CONCURRENCY,
    MAX_REQUESTS,
    PROMPT_SET_SPREAD,
    TRAFFIC_PROMPTS,
    Load,
    LoadError,
    OutputLengths,
)
from inference_core.models import EXAMPLES, document_prompt, resolve_reference
from inference_core.price import LatencyObjective
from inference_core.runs import Lane, lane_problem, lane_settings, settings_from_text, split_lane
from inference_core.types import Bounds, Form, ModelSpec, Settings

EXPERIMENTS = {
    "output-length": "Output length: end-to-end time grows with every generated token",
    "input-length": "Input length: a longer prompt takes longer to read (prefill) before the first token",
    "model-size": "Model size: bigger models are slower per token and need more memory",
    "settings": "Settings: float32, bfloat16 and int8 weights of one model, side by side",
    "traffic": "Traffic: many requests compete for one machine; batching trades each request's speed for throughput",
}
DEFAULT_OUTPUT_LENGTHS = (16, 32, 64, 128, 256)
DEFAULT_INPUT_LENGTHS = (64, 256, 1024, 2048)
DEFAULT_CONCURRENCY = (1, 2, 4)
DEFAULT_RATES = (0.5, 1.0, 2.0)
DEFAULT_TRAFFIC_REQUESTS = 8
DEFAULT_SETTINGS_VARIANTS = ("dtype=float32", "dtype=bfloat16", "quantize=int8", "engine=llama.cpp")
SETTINGS_CHOICES = (*DEFAULT_SETTINGS_VARIANTS, "decoder=generate", "attention=eager", "cache=static",
                    "cache=static,compile=true")  # fmt: skip
"""What the Experiments page offers; compiling takes minutes at load on a small CPU, so it is not a default."""
FIXED_PROMPT = EXAMPLES["Request for a long answer"]
WORDS_PER_TOKEN = 0.75  # English text, roughly; the measured tokens_in is what gets charted
REPEATS = Bounds(1, 1000, 3)
"""Runs per point: the median and its spread need at least three."""


class SweepError(ValueError):
    """A sweep that cannot run as asked; the message is for the user."""


@dataclass(frozen=True)
class SweepPoint:
    lane: Lane
    prompt: str
    value: float | str
    """The swept variable's planned value (output tokens, target input tokens, params, setting, load)."""
    load: Load | None = None
    """The traffic experiment's load level: many requests from the prompt set instead of one."""

    @property
    def requests(self) -> int:
        return self.load.requests if self.load else 1


@dataclass(frozen=True)
class SweepPlan:
    experiment: str
    variable: str
    points: tuple[SweepPoint, ...]
    repeats: int
    notes: tuple[str, ...] = ()

    traffic: TrafficOptions | None = None

    @property
    def total_runs(self) -> int:
        return sum(point.requests for point in self.points) * self.repeats


def parse_levels(values: Iterable[Any], whole: bool = True) -> list[float]:
    """Typed lengths, concurrency levels (whole numbers) or request rates; SweepError names the bad one."""
    parsed: list[float] = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        try:
            parsed.append(int(text) if whole else float(text))
        except ValueError:
            kind = "whole numbers" if whole else "numbers"
            raise SweepError(f"values must be {kind} separated by commas, got {text[:40]!r}") from None
        if not math.isfinite(parsed[-1]):
            raise SweepError(f"values must be finite numbers, got {text[:40]!r}")
    if not parsed:
        raise SweepError("give at least one value (numbers separated by commas)")
    return parsed


def parse_lengths(values: Iterable[Any]) -> list[int]:
    """Typed lengths as whole numbers; SweepError names the bad one."""
    return [int(v) for v in parse_levels(values)]


def parse_variant(text: str, base: Settings) -> Settings:
    """A settings-experiment variant ``key=value[,key=value]`` applied to ``base``; SweepError when malformed."""
    try:
        return settings_from_text(text, base)
    except ValueError as exc:
        raise SweepError(f"setting {text[:60]!r}: {exc}") from None


def _resolve(refs: Sequence[str], base: Settings) -> list[tuple[ModelSpec, Settings]]:
    """Each ``REF[:key=value,...]`` as its model and settings (the lane's own output length, pinned)."""
    if not refs:
        raise SweepError("choose at least one model")
    lanes = []
    for text in refs:
        try:
            ref, overrides = split_lane(text)
            settings = lane_settings(base, overrides)
        except ValueError as exc:
            raise SweepError(f"lane {text[:60]!r}: {exc}") from None
        lanes.append((resolve_reference(ref), settings.replace(min_new_tokens=settings.max_new_tokens)))
    missing = [spec.name for spec, _ in lanes if not spec.available]
    if missing:
        raise SweepError(f"not available on this machine: {', '.join(missing)}")
    for spec, settings in lanes:
        problem = lane_problem(spec, settings)
        if problem:
            raise SweepError(problem)
    return lanes


class TrafficOptions(Form):
    """How the traffic experiment loads each lane: the load shape, its size and the latency objective."""

    kind: Literal["concurrency", "rate"] = "concurrency"
    requests: Annotated[int, Field(ge=1, le=MAX_REQUESTS)] | None = None
    """Requests per level (None: twice the concurrency, at least 8; rate: 8)."""
    time_limit_s: Annotated[float, Field(ge=5, le=3600, allow_inf_nan=False)] = 120.0
    """Seconds per level before it stops sending and ends the requests still running."""
    output_lengths: OutputLengths = OutputLengths()
    objective: LatencyObjective = LatencyObjective()


@dataclass(frozen=True)
class PlanRequest:
    """What a planner gets: the resolved models, the pinned base settings, the user's values."""

    lanes: list[tuple[ModelSpec, Settings]]
    lengths: Sequence[float] | None
    variants: Sequence[str]
    traffic: TrafficOptions

    @property
    def specs(self) -> list[ModelSpec]:
        return [spec for spec, _ in self.lanes]


Planner = Callable[[PlanRequest], tuple[str, list[SweepPoint], list[str]]]
"""(the swept variable, the points, notes for the user)."""
PLANNERS: dict[str, Planner] = {}


def planner(experiment: str) -> Callable[[Planner], Planner]:
    def register(function: Planner) -> Planner:
        PLANNERS[experiment] = function
        return function

    return register


@planner("output-length")
def _output_length(request: PlanRequest) -> tuple[str, list[SweepPoint], list[str]]:
    lengths = sorted(set(request.lengths or DEFAULT_OUTPUT_LENGTHS))
    if lengths[0] < 1:
        raise SweepError("output lengths must be whole numbers of at least 1")
    points = []
    for spec, base in request.lanes:
        for n in lengths:
            if n + 64 > spec.context_length:
                context = spec.context_length
                raise SweepError(f"output length {n} is above the context of {spec.name} ({context} tokens)")
            settings = base.replace(max_new_tokens=n, min_new_tokens=n)
            points.append(SweepPoint(Lane(spec.key, settings), FIXED_PROMPT, n))
    return "tokens_out", points, []


@planner("input-length")
def _input_length(request: PlanRequest) -> tuple[str, list[SweepPoint], list[str]]:
    lengths = sorted(set(request.lengths or DEFAULT_INPUT_LENGTHS))
    if lengths[0] < 1:
        raise SweepError("input lengths must be whole numbers of at least 1")
    points, notes = [], []
    for spec, base in request.lanes:
        for n in lengths:
            if n + base.max_new_tokens + 64 > spec.context_length:
                notes.append(f"{spec.name}: {n} input tokens skipped (context {spec.context_length})")
                continue
            prompt = document_prompt(max(1, int(n * WORDS_PER_TOKEN)))
            points.append(SweepPoint(Lane(spec.key, base), prompt, n))
    if not points:
        raise SweepError("every input length is above the chosen models' context")
    return "tokens_in", points, notes


@planner("traffic")
def _traffic(request: PlanRequest) -> tuple[str, list[SweepPoint], list[str]]:
    options = request.traffic
    rate = options.kind == "rate"
    levels = sorted(set(request.lengths or (DEFAULT_RATES if rate else DEFAULT_CONCURRENCY)))
    points = []
    for spec, base in request.lanes:
        for value in levels:
            default = DEFAULT_TRAFFIC_REQUESTS if rate else max(DEFAULT_TRAFFIC_REQUESTS, 2 * int(value))
            try:
                load = Load(options.kind, value, options.requests or default, options.time_limit_s,
                            options.output_lengths)  # fmt: skip
                load.in_flight(MAX_ENDPOINT_CONCURRENCY if spec.source == "endpoint" else MAX_LOCAL_CONCURRENCY)
            except LoadError as exc:
                raise SweepError(f"{spec.name}: {exc}") from None
            points.append(SweepPoint(Lane(spec.key, base), TRAFFIC_PROMPTS[0], value, load=load))
    return options.kind, points, [PROMPT_SET_SPREAD]


@planner("model-size")
def _model_size(request: PlanRequest) -> tuple[str, list[SweepPoint], list[str]]:
    points = [SweepPoint(Lane(spec.key, base), FIXED_PROMPT, spec.params_m or 0.0) for spec, base in request.lanes]
    return "params_m", points, []


@planner("settings")
def _settings(request: PlanRequest) -> tuple[str, list[SweepPoint], list[str]]:
    if len(request.lanes) != 1:
        raise SweepError("the settings experiment compares one model: choose exactly one")
    if not request.variants:
        raise SweepError("choose at least one setting")
    spec, base = request.lanes[0]
    points, notes = [], []
    for variant in request.variants:
        settings = parse_variant(variant, base)
        problem = lane_problem(spec, settings)
        if problem:
            notes.append(f"{variant} skipped: {problem}")
        else:
            points.append(SweepPoint(Lane(spec.key, settings), FIXED_PROMPT, variant))
    if not points:
        raise SweepError("no setting can run here: " + "; ".join(notes))
    return "setting", points, notes


def plan_sweep(
    experiment: str,
    refs: Sequence[str],
    *,
    base: Settings | None = None,
    lengths: Sequence[float] | None = None,
    variants: Sequence[str] = DEFAULT_SETTINGS_VARIANTS,
    repeats: int = REPEATS.default,
    traffic: TrafficOptions | None = None,
) -> SweepPlan:
    """Points for an experiment; ``refs`` are lanes (``REF[:key=value,...]``); raises SweepError with a
    plain message for bad input. ``lengths`` are the swept values (traffic: concurrency or rate levels)."""
    if experiment not in PLANNERS:
        raise SweepError(f"experiment must be one of {', '.join(EXPERIMENTS)}, got {experiment!r}")
    if not REPEATS.low <= repeats <= REPEATS.high:
        raise SweepError(f"repeats must be between {REPEATS.low} and {REPEATS.high}, got {repeats}")
    base = base or Settings()
    if lengths is not None and not lengths:
        raise SweepError("give at least one length")
    traffic = traffic or TrafficOptions()
    if experiment == "traffic":
        repeats = 1  # a level's own requests are its samples
    request = PlanRequest(_resolve(refs, base), lengths, variants, traffic)
    variable, points, notes = PLANNERS[experiment](request)
    return SweepPlan(experiment, variable, tuple(points), repeats, tuple(notes), traffic)


@dataclass(frozen=True)
class PlanEstimate:
    """What a sweep will generate, and how long it should take at this machine's measured speeds."""

    tokens_out: int
    seconds: float | None
    """None when a model in the plan has no measured speed yet."""
    unmeasured: tuple[str, ...]


ROUGH_TTFT_S = 0.5
ROUGH_PARAMS_TOKENS = 2500.0
"""Before any measurement here: decode tok/s ~ 2,500 / parameters in millions (this machine's ladder:
24 tok/s at 135M, 4.9 at 1.7B, 1.3 at 7.6B), TTFT about half a second."""


def rough_speeds(specs: Sequence[ModelSpec]) -> dict[str, tuple[float, float]]:
    """Model -> (TTFT s, decode tok/s) guessed from its size, for a plan's time before anything was measured."""
    return {spec.key: (ROUGH_TTFT_S, ROUGH_PARAMS_TOKENS / spec.params_m) for spec in specs if spec.params_m}


def estimate_plan(plan: SweepPlan, speeds: dict[str, tuple[float, float]], warmup_tokens: int = 4) -> PlanEstimate:
    """Tokens and seconds of a plan: per run ``ttft + (n - 1) / decode`` from ``speeds`` (model -> (TTFT s,
    decode tok/s) measured on this machine), each lane's warm-up included; models load apart from this."""
    tokens, seconds, unmeasured = 0, 0.0, []
    warmed: set[str] = set()
    for point in plan.points:
        n = point.lane.settings.max_new_tokens
        runs = plan.repeats * point.requests
        tokens += n * runs
        first = point.lane.ref not in warmed
        warmed.add(point.lane.ref)
        if point.lane.ref not in speeds:
            unmeasured.append(point.lane.ref)
            continue
        ttft, decode = speeds[point.lane.ref]
        seconds += runs * (ttft + (n - 1) / decode) + (ttft + warmup_tokens / decode if first else 0.0)
    missing = tuple(dict.fromkeys(unmeasured))
    return PlanEstimate(tokens, None if missing else seconds, missing)
