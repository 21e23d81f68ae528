"""Whatever the app saves exports and imports back, figure for figure: a real history holding every kind of run."""

from __future__ import annotations

import json

import pytest

from inference_core.engine import Access, Engine, Saving
from inference_core.experiments.plans import TrafficOptions, plan_sweep
from inference_core.experiments.questions import builtin_questions
from inference_core.operator import OperatorSettings
from inference_core.runs.lanes import Lane
from inference_core.types import Settings

MODEL = "smollm2-135m-instruct"
SHORT = Settings(max_new_tokens=4)


def save_compare(engine: Engine, prompt: str, lanes: list[Lane], title: str) -> str:
    recorder = engine.recorder(Saving("compare", prompt, title=title))
    engine.compare(prompt, lanes, access=Access(allow_private_endpoints=True), on_result=recorder)
    return recorder.run_id


def save_sweep(engine: Engine, plan) -> None:
    recorder = engine.recorder(Saving("sweep", plan.experiment, title=plan.experiment))
    engine.sweep(plan, on_row=recorder).run(lambda progress: None)


@pytest.mark.slow
def test_a_history_of_every_kind_of_run_exports_and_imports_back_byte_for_byte(tmp_path, fault_server):
    engine = Engine(store_path=tmp_path / "runs.sqlite3", limits=OperatorSettings(allow_private_endpoints=True))
    compared = save_compare(engine, "Name a colour.", [Lane(MODEL, SHORT), Lane("nope")], "compare")
    save_compare(engine, "Hi", [Lane(f"openai:m@{fault_server.url('logprobs')}", SHORT.replace(logprobs=2))],
                 "endpoint")  # fmt: skip
    save_compare(engine, "Name a colour.", [Lane(f"replay:{compared}/1@instant")], "replay")
    save_sweep(engine, plan_sweep("output-length", [MODEL], lengths=[2], repeats=1))
    save_sweep(engine, plan_sweep("traffic", [f"{MODEL}:max_new_tokens=3"], lengths=[1],
                                  traffic=TrafficOptions(requests=2)))  # fmt: skip
    recorder = engine.recorder(Saving("compare", "Quality", title="Quality"))
    engine.evaluation(builtin_questions()[:1], [Lane(MODEL, SHORT)], on_row=recorder).run(lambda progress: None)

    exported = engine.export_bundle()
    runs = json.loads(exported)["runs"]
    assert len(runs) == 6
    logprobs = [lane["result"]["top_logprobs"] for run in runs for lane in run["lanes"] if lane["result"]["ok"]]
    assert sum(bool(top) for top in logprobs) >= 2  # the endpoint's and the evaluation's
    again = Engine(store_path=tmp_path / "again.sqlite3")
    assert again.import_bundle(exported) == (6, 0)
    reexported = again.export_bundle()
    assert json.loads(reexported)["runs"] == runs  # every figure, every text and token, as saved
    assert reexported.split('"runs"')[1] == exported.split('"runs"')[1]  # and byte for byte after the header
    assert again.import_bundle(exported) == (0, 6)
