"""The facade: what the app and the CLI do through it, on the real models and a real history."""

from __future__ import annotations

import json

import pytest

from inference_core.engine import Access, Engine, Saving
from inference_core.history.bundle import BundleError
from inference_core.history.store import StoreError
from inference_core.runs.lanes import Lane
from inference_core.types import Settings, TokenEvent

LANES = [Lane("smollm2-135m-instruct", Settings(max_new_tokens=4)), Lane("nope")]


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    return Engine(store_path=tmp_path_factory.mktemp("engine") / "runs.sqlite3")


def test_a_saved_background_comparison_streams_and_lands_in_the_history(engine):
    recorder = engine.recorder(Saving("compare", "Hi", meta={"mode": "sequential"}))
    job = engine.comparison("Hi", LANES, on_result=recorder).start()
    events = []
    while (event := job.events.get(timeout=120)) is not None:
        events.append(event)
    assert job.join(5) and [r.ok for r in job.finished_results()] == [True, False]
    assert sum(isinstance(e, TokenEvent) for e in events) == 4
    [summary] = engine.runs(text="Hi")
    assert summary.lanes == 2 and summary.ok_lanes == 1
    stored = engine.run(summary.id)
    assert stored.results[0].tokens_out == 4 and stored.meta["mode"] == "sequential"
    assert set(stored.meta["measured_on"]) == {"machine", "host", "deployment", "versions"}


def test_history_moves_as_bundles_and_refuses_what_it_does_not_have(engine, tmp_path):
    bundle = engine.export_bundle()
    other = Engine(store_path=tmp_path / "other.sqlite3")
    assert other.import_bundle(bundle) == (len(json.loads(bundle)["runs"]), 0)
    with pytest.raises(StoreError, match="no run 'missing'"):
        engine.export_bundle(["missing"])
    with pytest.raises(BundleError):
        other.import_bundle(b"{}")
    assert other.delete_runs([r.id for r in other.runs()]) == len(json.loads(bundle)["runs"])


def test_tokens_are_counted_by_each_models_backend(engine, smollm2):
    from transformers import AutoTokenizer

    from inference_core.models.paths import converted_dir

    tokenizer = AutoTokenizer.from_pretrained(converted_dir(smollm2))
    chat = [{"role": "user", "content": "Hi there"}]
    expected = len(tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_dict=True)["input_ids"])
    assert engine.count_tokens("smollm2-135m-instruct", "Hi there") == expected
    with pytest.raises(ValueError, match="no tokenizer"):
        engine.count_tokens(f"replay:{'0' * 32}/0", "Hi there")


def test_models_can_be_listed_unloaded_and_estimated(engine, smollm2):
    engine.compare("Hi", [Lane("smollm2-135m-instruct", Settings(max_new_tokens=1))], access=Access())
    assert [m.key for m in engine.loaded()] == [smollm2.key]
    assert engine.inventory([smollm2])[0].loaded_mb > 0
    assert engine.unload(smollm2.key) == 1 and engine.loaded() == []
    assert engine.converted(smollm2) and engine.estimate(smollm2, Settings()).verdict == "fits"


def test_this_machines_history_gives_measured_speeds(engine):
    recorder = engine.recorder(Saving("compare", "Speed"))
    engine.compare("Speed", [Lane("smollm2-135m-instruct", Settings(max_new_tokens=8, min_new_tokens=8))],
                   on_result=recorder)  # fmt: skip
    results = engine.history_results()
    assert results and all(r.ok for r in results)
    ttft, decode = engine.measured_speeds()["smollm2-135m-instruct"]
    assert 0 < ttft < 60 and decode > 0


@pytest.mark.slow
def test_sessions_racing_mixed_dtypes_on_a_cold_engine_each_get_their_own_model(tmp_path):
    """Two sessions at once, each racing float32, bfloat16, int8 and the fused decoder of one model, on a cold
    engine: loads overlap runs (the soak adds mixed dtypes across eight browser sessions). Every lane runs on
    its own settings' model: the answer and the weights it reports are those of the same lane run alone."""
    import threading

    engine = Engine(store_path=tmp_path / "runs.sqlite3")
    base = Settings(max_new_tokens=8, min_new_tokens=8)
    variants = [base, base.replace(dtype="bfloat16"), base.replace(quantize="int8"), base.replace(decoder="fused")]
    lanes = [Lane("smollm2-135m-instruct", settings) for settings in variants]
    sessions: dict[int, list] = {}

    def session(index: int) -> None:
        sessions[index] = engine.compare("Name a colour.", lanes[index:] + lanes[:index], mode="race")

    threads = [threading.Thread(target=session, args=(index,)) for index in (0, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    alone = {result.settings.load_key: result for result in engine.compare("Name a colour.", lanes)}
    for results in sessions.values():
        assert [r.error for r in results if not r.ok] == []
        for result in results:
            expected = alone[result.settings.load_key]
            assert (result.text, result.weights_mb) == (expected.text, expected.weights_mb), result.settings


def test_a_tour_is_saved_as_one_run_and_its_report_imports_into_another_history(engine, tmp_path):
    from inference_core.experiments import chapters, run_chapter
    from tests.experiments.test_tour import recording_runner

    results = [run_chapter(chapter, recording_runner([]), repeats=2) for chapter in chapters(quick=True)[1:3]]
    run, errors = engine.save_tour(results, quick=True)
    assert errors == [] and engine.run(run.id) == run and engine.is_tour(run)
    assert run.id in {summary.id for summary in engine.recorded_tours()}
    assert "memory_bandwidth_gb_s" in run.meta["passport"]
    page = engine.report(run)
    elsewhere = Engine(store_path=tmp_path / "elsewhere.sqlite3")
    assert elsewhere.import_bundle(page) == (1, 0)
    assert elsewhere.tour_data(elsewhere.run(run.id)) == engine.tour_data(run)
    assert engine.import_bundle(page.encode()) == (0, 1)  # already there
    with pytest.raises(BundleError, match="not an Inference Lens report"):
        engine.import_bundle("<!doctype html><html><body>hello</body></html>")


def test_any_saved_run_has_a_report(engine):
    recorder = engine.recorder(Saving("compare", "Name a fruit.", title="Fruit"))
    engine.compare("Name a fruit.", LANES[:1], on_result=recorder)
    page = engine.report(engine.run(recorder.run_id))
    assert "<h1>Fruit</h1>" in page and "Soonest first token: 1. SmolLM2 135M" in page


def test_under_tight_operator_limits_the_tour_skips_what_it_cannot_measure(tmp_path):
    from inference_core.operator import OperatorSettings

    tight = Engine(store_path=tmp_path / "runs.sqlite3", limits=OperatorSettings(max_lanes=1, max_repeats=2))
    found = {chapter.key: chapter for chapter in tight.tour_chapters(quick=True)}
    assert found["traffic"].blocked and not found["output"].blocked
    job = tight.tour_job(quick=True)  # no LimitError: the traffic chapter is skipped, the rest run
    assert job.repeats == 2  # the operator's max_repeats
    [rung] = tight._ladder_estimates()  # one lane's worth of ladder: its top rung, 7B
    assert rung["model"].startswith("Qwen2.5 7B") and rung["decode_bound_tok_per_s"] > 0
