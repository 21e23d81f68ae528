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


def test_an_evaluation_is_saved_as_its_own_kind_and_read_back_whole(tmp_path):
    from inference_core.engine import Engine, Saving

    engine = Engine(store_path=tmp_path / "runs.sqlite3")
    questions = builtin_questions()[:2]
    lanes = [Lane("smollm2-135m-instruct", Settings(max_new_tokens=4))]
    recorder = engine.recorder(Saving("eval", "Quality: two", title="Quality: two"))
    job = engine.evaluation(questions, lanes, on_row=recorder)
    rows = job.run()
    run = engine.run(recorder.run_id)
    assert run.kind == "eval" and [s.kind for s in engine.runs()] == ["eval"]
    assert engine.eval_rows(run) == rows  # the prompt, the expected answer and the verdict travel with each answer
    assert [row["prompt"] for row in rows] == [q.prompt for q in questions]


def test_a_traffic_sweep_is_saved_as_its_own_kind():
    from inference_core.engine import Saving

    assert Saving.sweep("traffic").kind == "traffic" and Saving.sweep("output-length").kind == "sweep"
    assert Saving.sweep("traffic", meta={"models": ["m"]}).meta == {"models": ["m"], "experiment": "traffic"}
