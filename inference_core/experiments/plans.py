"""Experiment plans: the explainer's claims as sweeps of points.

Each experiment has one small planner in ``PLANNERS``; a planner turns the chosen models
and values into points (a lane, a prompt and the swept variable's value). To add an
experiment, add its description to ``EXPERIMENTS`` and register a planner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from inference_core.catalog import resolve_reference
from inference_core.lanes import Lane, settings_from_text
from inference_core.prompts import EXAMPLES, document_prompt
from inference_core.runner import lane_problem
from inference_core.types import ModelSpec, Settings

EXPERIMENTS = {
    "output-length": "Output length: end-to-end time grows with every generated token",
    "input-length": "Input length: a longer prompt takes longer to read (prefill) before the first token",
    "model-size": "Model size: bigger models are slower per token and need more memory",
    "settings": "Settings: float32, bfloat16 and int8 weights of one model, side by side",
    "traffic": "Traffic: concurrent requests compete for the model, so each waits longer for its first token",
}
DEFAULT_OUTPUT_LENGTHS = (16, 32, 64, 128, 256)
DEFAULT_INPUT_LENGTHS = (64, 256, 1024, 2048)
DEFAULT_CONCURRENCY = (1, 2, 4)
MAX_CONCURRENCY = 8
DEFAULT_SETTINGS_VARIANTS = ("dtype=float32", "dtype=bfloat16", "quantize=int8", "engine=llama.cpp")
SETTINGS_CHOICES = (*DEFAULT_SETTINGS_VARIANTS, "attention=eager", "cache=static", "cache=static,compile=true")
"""What the Experiments page offers; compiling takes minutes at load on a small CPU, so it is not a default."""
FIXED_PROMPT = EXAMPLES["Request for a long answer"]
WORDS_PER_TOKEN = 0.75  # English text, roughly; the measured tokens_in is what gets charted
MAX_REPEATS = 1000


class SweepError(ValueError):
    """A sweep that cannot run as asked; the message is for the user."""


@dataclass(frozen=True)
class SweepPoint:
    lane: Lane
    prompt: str
    value: float | str
    """The swept variable's planned value (output tokens, target input tokens, params, setting, requests)."""
    concurrency: int = 1
    """Copies of the request sent at once (the traffic experiment)."""


@dataclass(frozen=True)
class SweepPlan:
    experiment: str
    variable: str
    points: tuple[SweepPoint, ...]
    repeats: int
    notes: tuple[str, ...] = ()

    @property
    def total_runs(self) -> int:
        return len(self.points) * self.repeats


def parse_lengths(values: Iterable[Any]) -> list[int]:
    """Typed lengths or request counts as whole numbers; SweepError names the bad one."""
    parsed = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        try:
            parsed.append(int(text))
        except ValueError:
            raise SweepError(f"lengths must be whole numbers, got {text[:40]!r}") from None
    if not parsed:
        raise SweepError("give at least one length (whole numbers separated by commas)")
    return parsed


def parse_variant(text: str, base: Settings) -> Settings:
    """A settings-experiment variant ``key=value[,key=value]`` applied to ``base``; SweepError when malformed."""
    try:
        return settings_from_text(text, base)
    except ValueError as exc:
        raise SweepError(f"setting {text[:60]!r}: {exc}") from None


def _resolve(refs: Sequence[str]) -> list[ModelSpec]:
    if not refs:
        raise SweepError("choose at least one model")
    specs = [resolve_reference(ref) for ref in refs]
    missing = [s.name for s in specs if not s.available]
    if missing:
        raise SweepError(f"not available on this machine: {', '.join(missing)}")
    return specs


@dataclass(frozen=True)
class PlanRequest:
    """What a planner gets: the resolved models, the pinned base settings, the user's values."""

    specs: list[ModelSpec]
    base: Settings
    lengths: Sequence[int] | None
    variants: Sequence[str]


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
    for spec in request.specs:
        for n in lengths:
            if n + 64 > spec.context_length:
                context = spec.context_length
                raise SweepError(f"output length {n} is above the context of {spec.name} ({context} tokens)")
            settings = request.base.replace(max_new_tokens=n, min_new_tokens=n)
            points.append(SweepPoint(Lane(spec.key, settings), FIXED_PROMPT, n))
    return "tokens_out", points, []


@planner("input-length")
def _input_length(request: PlanRequest) -> tuple[str, list[SweepPoint], list[str]]:
    lengths = sorted(set(request.lengths or DEFAULT_INPUT_LENGTHS))
    if lengths[0] < 1:
        raise SweepError("input lengths must be whole numbers of at least 1")
    points, notes = [], []
    for spec in request.specs:
        for n in lengths:
            if n + request.base.max_new_tokens + 64 > spec.context_length:
                notes.append(f"{spec.name}: {n} input tokens skipped (context {spec.context_length})")
                continue
            prompt = document_prompt(max(1, int(n * WORDS_PER_TOKEN)))
            points.append(SweepPoint(Lane(spec.key, request.base), prompt, n))
    if not points:
        raise SweepError("every input length is above the chosen models' context")
    return "tokens_in", points, notes


@planner("traffic")
def _traffic(request: PlanRequest) -> tuple[str, list[SweepPoint], list[str]]:
    levels = sorted(set(request.lengths or DEFAULT_CONCURRENCY))
    if levels[0] < 1 or levels[-1] > MAX_CONCURRENCY:
        raise SweepError(f"concurrent requests must be between 1 and {MAX_CONCURRENCY}")
    prompt = EXAMPLES["Short question"]
    points = [SweepPoint(Lane(s.key, request.base), prompt, n, concurrency=n) for s in request.specs for n in levels]
    return "concurrency", points, []


@planner("model-size")
def _model_size(request: PlanRequest) -> tuple[str, list[SweepPoint], list[str]]:
    points = [SweepPoint(Lane(s.key, request.base), FIXED_PROMPT, s.params_m or 0.0) for s in request.specs]
    return "params_m", points, []


@planner("settings")
def _settings(request: PlanRequest) -> tuple[str, list[SweepPoint], list[str]]:
    if len(request.specs) != 1:
        raise SweepError("the settings experiment compares one model: choose exactly one")
    if not request.variants:
        raise SweepError("choose at least one setting")
    spec = request.specs[0]
    points, notes = [], []
    for variant in request.variants:
        settings = parse_variant(variant, request.base)
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
    lengths: Sequence[int] | None = None,
    variants: Sequence[str] = DEFAULT_SETTINGS_VARIANTS,
    repeats: int = 3,
) -> SweepPlan:
    """Points for an experiment; raises SweepError with a plain message for bad input."""
    if experiment not in PLANNERS:
        raise SweepError(f"experiment must be one of {', '.join(EXPERIMENTS)}, got {experiment!r}")
    if not 1 <= repeats <= MAX_REPEATS:
        raise SweepError(f"repeats must be between 1 and {MAX_REPEATS}, got {repeats}")
    base = base or Settings(max_new_tokens=32)
    base = base.replace(min_new_tokens=base.max_new_tokens)  # pinned output length
    if lengths is not None and not lengths:
        raise SweepError("give at least one length")
    request = PlanRequest(_resolve(refs), base, lengths, variants)
    variable, points, notes = PLANNERS[experiment](request)
    return SweepPlan(experiment, variable, tuple(points), repeats, tuple(notes))


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
        runs = plan.repeats * point.concurrency
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
