"""Quality: how often each lane answers a question set correctly, how sure it was, and what a correct
answer costs.

Each question is asked of every lane (greedy, one at a time), checked, and recorded with the
probability the lane gave its own answer's tokens (the mean over the answer, where the backend
records log-probabilities). $ per correct answer = the price of every answer / the correct ones.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from inference_core.backends import BackendContext
from inference_core.experiments.questions import Question
from inference_core.measure import lane_label
from inference_core.runs import BackgroundJob, Finalize, Lane, compare
from inference_core.types import RunResult, StoredRun

EVAL_TOKENS = 32
"""Enough for a short answer; a lane's own max_new_tokens is kept when it is smaller."""


@dataclass(frozen=True)
class EvalProgress:
    done: int
    total: int
    current: str


def answer_confidence(result: RunResult) -> float | None:
    """Mean probability of the answer's tokens; None when the backend recorded no log-probabilities."""
    if not result.token_logprobs:
        return None
    return statistics.fmean(math.exp(value) for value in result.token_logprobs)


def eval_lane(lane: Lane) -> Lane:
    """A lane as the evaluation runs it: greedy, short, with log-probabilities for its confidence."""
    tokens = min(lane.settings.max_new_tokens, EVAL_TOKENS)
    return Lane(lane.ref, lane.settings.replace(temperature=0.0, max_new_tokens=tokens, min_new_tokens=0,
                                                logprobs=max(lane.settings.logprobs, 1)))  # fmt: skip


class Evaluation(BackgroundJob[EvalProgress]):
    """Asks every question of every lane; ``on_row(index, result, extra)`` sees each answer (saving)."""

    def __init__(self, questions: Sequence[Question], lanes: Sequence[Lane], context: BackendContext,
                 finalize: Finalize | None = None,
                 on_row: Callable[[int, RunResult, dict[str, Any]], None] | None = None) -> None:  # fmt: skip
        super().__init__("evaluation")
        self.questions, self.lanes = list(questions), [eval_lane(lane) for lane in lanes]
        self.context, self.finalize, self.on_row = context, finalize, on_row
        self.rows: list[dict[str, Any]] = []

    def work(self) -> None:
        self.run(self.events.put)

    def run(self, on_progress: Callable[[EvalProgress], None] | None = None) -> list[dict[str, Any]]:
        total = len(self.questions) * len(self.lanes)
        for number, question in enumerate(self.questions):
            if self.stop_event.is_set():
                break
            if on_progress:
                on_progress(EvalProgress(len(self.rows), total, question.prompt[:80]))
            results = compare(question.prompt, self.lanes, context=self.context, stop=self.stop_event,
                              finalize=self.finalize)  # fmt: skip
            for index, result in enumerate(results):
                self._record(number, question, index, result)
        if on_progress:
            on_progress(EvalProgress(len(self.rows), total, "done"))
        return self.rows

    def _record(self, number: int, question: Question, index: int, result: RunResult) -> None:
        if result.stopped:
            return
        extra = {"question": number, "lane": index, **question.model_dump(),
                 "correct": result.ok and question.is_correct(result.text)}  # fmt: skip
        self.rows.append(eval_row(result, extra))
        if self.on_row is not None:
            self.on_row(len(self.rows) - 1, result, extra)


def eval_row(result: RunResult, extra: dict[str, Any]) -> dict[str, Any]:
    """One answer as the summary reads it, from its result and what its lane saved beside it."""
    return {
        "lane": lane_label(extra["lane"], result), "question": extra["question"], "prompt": extra.get("prompt", ""),
        "expected": extra.get("expected", ""), "check": extra.get("check", ""), "answer": result.text,
        "ok": result.ok, "correct": bool(extra["correct"]), "confidence": answer_confidence(result),
        "e2e_s": result.e2e_s, "usd_answer": result.usd_answer, "usd_per_1m_out": result.usd_per_1m_out,
        "error": result.error,
    }  # fmt: skip


def eval_rows(run: StoredRun) -> list[dict[str, Any]]:
    """A saved evaluation's answers, as the run that measured them kept them."""
    return [eval_row(result, extra) for result, extra in zip(run.results, run.extras, strict=True)
            if {"question", "lane", "correct"} <= set(extra)]  # fmt: skip


def eval_summary(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Per lane: accuracy, confidence on right and on wrong answers, latency and $ per correct answer."""
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    records = []
    for lane, group in frame.groupby("lane", sort=False):
        right, wrong = group[group["correct"]], group[~group["correct"]]
        spent = group["usd_answer"].dropna().sum() if group["usd_answer"].notna().any() else None
        records.append({
            "lane": lane, "questions": len(group), "correct": len(right), "accuracy": len(right) / len(group),
            "confidence_right": right["confidence"].mean() if len(right) else None,
            "confidence_wrong": wrong["confidence"].mean() if len(wrong) else None,
            "e2e_s": group["e2e_s"].median(), "usd_per_1m_out": group["usd_per_1m_out"].median(),
            "usd_per_correct": spent / len(right) if spent is not None and len(right) else None,
        })  # fmt: skip
    return pd.DataFrame(records)
