"""The explainer's claims as small measured experiments, and the tour that runs them in order.

A chapter runs its conditions interleaved and repeated (short, long, short, long, ...), watching how much of
the CPU other programs took, and keeps every run as a row (a ``compare --json`` lane plus its condition). Its
sentence is computed from those rows alone (``tour_sentences``), so a report's embedded data gives it again.
A tour is saved to the history as one run of its own kind (``tour``) and rebuilt from it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from inference_core.backends import BackendContext
from inference_core.experiments.tour_sentences import chapter_sentence, points
from inference_core.measure import CpuWatch, interleaved, now_iso, result_record
from inference_core.runs import BackgroundJob, Finalize, Lane, compare
from inference_core.types import LaneRecord, RunResult, Settings, StoredRun

TOUR_PROMPT = "The tour: why AI still costs money after training"
Compare = Callable[[str, list[Lane], str], list[RunResult]]
"""Runs one prompt on lanes (mode ``sequential`` or ``race``) and returns their results, admitted and priced."""


@dataclass(frozen=True)
class Condition:
    label: str
    prompt: str
    settings: Settings
    model: str
    copies: int = 1
    """Requests sent at once (the traffic chapter): the prompt on this many lanes, racing."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Kept on each of its rows (a graded question's expected answer and check)."""


@dataclass(frozen=True)
class Chapter:
    """One claim of the explainer, the question it answers, and the conditions that test it."""

    key: str
    kind: str
    """How the sentence reads the rows: ratio, tokens, traffic, cost, samples or graded (``tour_sentences``)."""
    claim: str
    question: str
    change: str
    """What changes from the first condition to the second, to start the sentence."""
    metric: str
    """The RunResult figure compared (and charted)."""
    figure: str
    """How the sentence reads the ratio: "took 2.0x as <figure>"."""
    conditions: tuple[Condition, ...]
    repeats: int | None = None
    """Rounds of the conditions (None: the tour's); a chapter whose conditions are already its plan has 1."""
    page: str = "compare"
    """The full page for this experiment, and its query (the same settings filled in)."""
    query: dict[str, Any] = field(default_factory=dict)
    blocked: str = ""
    """Why the operator's limits leave this chapter nothing to measure ("" when they do not); it is skipped."""

    def plan(self, repeats: int) -> list[Condition]:
        return interleaved(self.conditions, self.repeats or repeats)

    def describe(self) -> dict[str, Any]:
        """Everything a sentence and a chart need besides the rows (the conditions by label)."""
        labels = list(dict.fromkeys(condition.label for condition in self.conditions))
        return {"key": self.key, "kind": self.kind, "claim": self.claim, "question": self.question,
                "change": self.change, "metric": self.metric, "figure": self.figure, "conditions": labels,
                "baseline": labels[0], "changed": labels[-1] if len(labels) > 1 else labels[0]}  # fmt: skip


@dataclass
class ChapterResult:
    """A measured chapter: its rows, the CPU share other programs took, how long it ran, any estimates."""

    chapter: Chapter
    runs: list[dict[str, Any]]
    busy_share: float | None
    seconds: float
    estimates: list[dict[str, Any]] = field(default_factory=list)
    """Figures computed, not run (the size ladder to 7B), each labelled ``estimated``."""

    def measured(self) -> dict[str, Any]:
        """The chapter's description and what was measured: all ``chapter_sentence`` and ``points`` read."""
        return {**self.chapter.describe(), "busy_share": self.busy_share, "seconds": round(self.seconds, 3),
                "estimates": self.estimates, "runs": self.runs}  # fmt: skip

    def data(self) -> dict[str, Any]:
        """The chapter as a report embeds it; ``chapter_sentence`` gives its sentence again from this alone."""
        return finished(self.measured())

    @property
    def sentence(self) -> str:
        return chapter_sentence(self.measured())


def finished(data: dict[str, Any]) -> dict[str, Any]:
    """A chapter's data with what its rows give: the sentence, and the points its chart draws."""
    return {**data, "sentence": chapter_sentence(data), "points": points(data)}


def _row(condition: Condition, step: int, result: RunResult) -> dict[str, Any]:
    return {"condition": condition.label, "step": step, **condition.extra, **result_record(result)}


def run_chapter(chapter: Chapter, run: Compare, repeats: int, *, stop: Any = None,
                on_run: Callable[[int, int], None] | None = None,
                estimates: Callable[[], list[dict[str, Any]]] | None = None) -> ChapterResult:  # fmt: skip
    """The chapter's plan, in order, while watching the CPU; ``stop`` (an Event) ends it between runs,
    ``on_run(done, total)`` hears each step, ``estimates`` adds computed figures (the size chapter)."""
    plan, runs = chapter.plan(repeats), []
    started = time.perf_counter()
    with CpuWatch() as watch:
        for step, condition in enumerate(plan):
            if stop is not None and stop.is_set():
                break
            lanes = [Lane(condition.model, condition.settings)] * condition.copies
            for result in run(condition.prompt, lanes, "race" if condition.copies > 1 else "sequential"):
                runs.append(_row(condition, step, result))
            if on_run is not None:
                on_run(step + 1, len(plan))
    found = estimates() if estimates is not None and chapter.kind == "ratio" and chapter.key == "size" else []
    return ChapterResult(chapter, runs, watch.share, time.perf_counter() - started, found)


@dataclass(frozen=True)
class TourProgress:
    chapter: int
    """0-based index of the chapter running."""
    chapters: int
    done: int
    total: int
    claim: str


class Tour(BackgroundJob[TourProgress]):
    """Every chapter in order; ``results`` holds each finished one (a stopped chapter keeps its runs so far)."""

    def __init__(self, chapters: Sequence[Chapter], context: BackendContext, finalize: Finalize, repeats: int,
                 estimates: Callable[[], list[dict[str, Any]]] | None = None) -> None:  # fmt: skip
        super().__init__("tour")
        self.chapters, self.context, self.finalize = list(chapters), context, finalize
        self.repeats, self.estimates = repeats, estimates
        self.results: list[ChapterResult] = []
        self._streaming = False

    def _compare(self, prompt: str, lanes: list[Lane], mode: str) -> list[RunResult]:
        """One step; the first chapter's tokens go to ``events`` too, so a page can draw them as they arrive."""
        return compare(prompt, lanes, context=self.context, mode=mode, finalize=self.finalize, stop=self.stop_event,
                       on_event=self.events.put if self._streaming else (lambda event: None))  # fmt: skip

    def work(self) -> None:
        self.run(self.events.put)

    def run(self, on_progress: Callable[[TourProgress], None] | None = None,
            on_chapter: Callable[[ChapterResult], None] | None = None) -> list[ChapterResult]:  # fmt: skip
        for index, chapter in enumerate(self.chapters):
            if self.stop_event.is_set():
                break
            if chapter.blocked:
                continue

            def step(done: int, total: int, index: int = index, claim: str = chapter.claim) -> None:
                if on_progress is not None:
                    on_progress(TourProgress(index, len(self.chapters), done, total, claim))

            step(0, len(chapter.plan(self.repeats)))
            self._streaming = chapter.kind == "tokens" and on_progress is not None
            result = run_chapter(chapter, self._compare, self.repeats, stop=self.stop_event, on_run=step,
                                 estimates=self.estimates)  # fmt: skip
            result.runs = [row for row in result.runs if not row.get("stopped")]
            if result.runs:
                self.results.append(result)
                if on_chapter is not None:
                    on_chapter(result)
        return self.results


def tour_run(results: Sequence[ChapterResult], quick: bool, environment: dict[str, Any]) -> StoredRun:
    """The tour as one saved run: every row a lane (its chapter and condition in the lane's extra), each
    chapter's description, CPU share, duration and estimates in the run's meta."""
    chapters = [{key: value for key, value in result.measured().items() if key != "runs"} for result in results]
    lanes = []
    for result in results:
        for row in result.runs:
            extra = {"chapter": result.chapter.key, "condition": row["condition"], "step": row["step"],
                     **{key: row[key] for key in result.chapter.conditions[0].extra if key in row}}  # fmt: skip
            fields = {key: value for key, value in row.items() if key in RunResult.model_fields}
            lane = RunResult.model_validate({"environment": environment, **fields})
            lanes.append(LaneRecord(lane=len(lanes), result=lane, extra=extra))
    meta = {"quick": quick, "chapters": chapters}
    title = f"Tour{' (quick)' if quick else ''}: {len(results)} chapters"
    return StoredRun(id=uuid.uuid4().hex, kind="tour", created_at=now_iso(), prompt=TOUR_PROMPT, title=title,
                     meta=meta, lanes=lanes)  # fmt: skip


def is_tour(run: StoredRun) -> bool:
    return run.kind == "tour"


def tour_data(run: StoredRun) -> list[dict[str, Any]]:
    """A saved tour's chapters as a report embeds them, each sentence recomputed from the saved rows."""
    chapters = []
    for described in run.meta.get("chapters", []):
        rows = [{"condition": extra.get("condition"), "step": extra.get("step", 0),
                 **{k: v for k, v in extra.items() if k not in ("chapter", "condition", "step")},
                 **result_record(result)} for result, extra in zip(run.results, run.extras, strict=True)
                if extra.get("chapter") == described.get("key")]  # fmt: skip
        chapters.append(finished({**described, "runs": rows}))
    return chapters


def lanes_chapter(run: StoredRun) -> dict[str, Any]:
    """Any other saved run as one report chapter: its lanes as conditions, the answers' times and prices."""
    rows = [{"condition": f"{index + 1}. {result.model_name}", "step": 0, **result_record(result)}
            for index, result in enumerate(run.results)]
    labels = list(dict.fromkeys(row["condition"] for row in rows)) or ["-"]
    return finished({"key": "run", "kind": "lanes", "claim": run.title or f"A saved {run.kind} run",
                     "question": run.prompt[:300], "change": "", "metric": "e2e_s", "figure": "", "estimates": [],
                     "conditions": labels, "baseline": labels[0], "changed": labels[-1], "busy_share": None,
                     "seconds": None, "runs": rows})  # fmt: skip
