"""Quality on the real packaged models: the built-in set runs on both, scored and priced."""

from __future__ import annotations

import pytest

from inference_core.experiments.evaluation import Evaluation, answer_confidence, eval_summary
from inference_core.experiments.questions import builtin_questions
from inference_core.price.pricing import default_pricer
from inference_core.runs.lanes import Lane
from inference_core.types import Settings


@pytest.mark.slow
def test_the_builtin_set_runs_on_both_packaged_models(context):
    lanes = [
        Lane("smollm2-135m-instruct", Settings(max_new_tokens=10)),
        Lane("gemma3-270m", Settings(max_new_tokens=10)),
    ]
    saved = []
    job = Evaluation(builtin_questions(), lanes, context, finalize=default_pricer(0.085, 0.5),
                     on_row=lambda i, result, extra: saved.append(extra))  # fmt: skip
    rows = job.run()
    assert len(rows) == 60 and len(saved) == 60 and all(row["ok"] for row in rows)
    assert all(0 < row["confidence"] <= 1 for row in rows)  # greedy with log-probabilities recorded
    summary = eval_summary(rows)
    assert list(summary["questions"]) == [30, 30]
    for _, lane in summary.iterrows():
        assert lane["accuracy"] == pytest.approx(lane["correct"] / 30)
        if lane["correct"]:
            group = [r for r in rows if r["lane"] == lane["lane"]]
            assert lane["usd_per_correct"] == pytest.approx(sum(r["usd_answer"] for r in group) / lane["correct"])
    assert summary["correct"].sum() > 0  # the small models get some right, and many wrong


def test_confidence_is_the_mean_probability_of_the_answer(context):
    from inference_core.runs.runner import compare

    [result] = compare("Say yes.", [Lane("smollm2-135m-instruct", Settings(max_new_tokens=4, logprobs=1))],
                       context=context)  # fmt: skip
    import math

    assert answer_confidence(result) == pytest.approx(sum(math.exp(v) for v in result.token_logprobs) / 4)
    assert answer_confidence(result.__class__(model="m", model_name="m", settings=Settings(), ok=True)) is None
