"""A chapter's run (interleaved, repeated, watched, stoppable) and a tour as one saved run and back."""

from __future__ import annotations

import threading

from inference_core.experiments import chapters
from inference_core.experiments.tour import Tour, is_tour, lanes_chapter, run_chapter, tour_data, tour_run
from inference_core.types import RunResult, Settings, StoredRun


def fake_result(prompt: str, settings: Settings, seconds: float) -> RunResult:
    """A result shaped like a real lane's (the runner here is a stand-in: the tour's own test runs models)."""
    tokens = settings.max_new_tokens
    return RunResult(model="smollm2-135m-instruct", model_name="SmolLM2 135M", settings=settings, ok=True,
                     text="x" * tokens, tokens_in=len(prompt.split()), tokens_out=tokens, ttft_s=seconds / 4,
                     tpot_s=seconds / tokens, e2e_s=seconds, token_times_s=tuple(seconds * (i + 1) / tokens
                     for i in range(tokens)), token_texts=("x",) * tokens, usd_answer=seconds / 1000)  # fmt: skip


def recording_runner(calls: list):
    def run(prompt, lanes, mode):
        calls.append((lanes[0].settings.max_new_tokens, len(lanes), mode))
        return [fake_result(prompt, lane.settings, lane.settings.max_new_tokens / 10) for lane in lanes]

    return run


def test_a_chapter_interleaves_its_conditions_and_keeps_every_run_as_a_row():
    output = chapters(quick=True)[2]
    calls: list = []
    result = run_chapter(output, recording_runner(calls), repeats=3)
    assert [tokens for tokens, _, _ in calls] == [16, 32, 16, 32, 16, 32]  # short, long, short, long ...
    assert [row["condition"] for row in result.runs][:2] == ["16 tokens", "32 tokens"]
    assert result.busy_share is not None and result.seconds >= 0
    assert result.sentence.startswith("Doubling the output from 16 to 32 tokens took 2.00x as long")


def test_the_traffic_chapter_sends_its_requests_at_once():
    traffic = chapters(quick=True, most_lanes=3)[4]
    calls: list = []
    result = run_chapter(traffic, recording_runner(calls), repeats=1)
    assert [(copies, mode) for _, copies, mode in calls] == [(1, "sequential"), (3, "race"), (3, "race")]
    assert len(result.runs) == 7


def test_a_stop_ends_a_chapter_between_runs():
    stop = threading.Event()
    calls: list = []

    def run(prompt, lanes, mode):
        stop.set()
        return recording_runner(calls)(prompt, lanes, mode)

    result = run_chapter(chapters(quick=True)[2], run, repeats=3, stop=stop)
    assert len(calls) == 1 and len(result.runs) == 1


def test_a_tour_saved_as_one_run_gives_back_its_chapters_and_sentences():
    found = chapters(quick=True)
    results = [run_chapter(chapter, recording_runner([]), repeats=2) for chapter in found[1:3]]
    run = tour_run(results, quick=True, environment={"cores": 2})
    assert is_tour(run) and run.kind == "tour" and len(run.lanes) == 8
    again = StoredRun.model_validate_json(run.model_dump_json())  # as the history and a bundle keep it
    back = tour_data(again)
    assert [chapter["sentence"] for chapter in back] == [result.sentence for result in results]
    assert [len(chapter["runs"]) for chapter in back] == [4, 4]


def test_any_other_saved_run_is_one_chapter_of_its_lanes():
    results = [fake_result("Name a fruit.", Settings(max_new_tokens=n), n / 10) for n in (8, 16)]
    run = tour_run([], quick=True, environment={}).replace(kind="compare", meta={}, title="Fruit",
                                                            lanes=[])  # fmt: skip
    run = StoredRun.model_validate({**run.model_dump(), "lanes": [{"lane": i, "result": r.model_dump()}
                                                                  for i, r in enumerate(results)]})  # fmt: skip
    chapter = lanes_chapter(run)
    assert chapter["claim"] == "Fruit" and chapter["conditions"] == ["1. SmolLM2 135M", "2. SmolLM2 135M"]
    assert chapter["sentence"].startswith("2 lanes, 2 finished. Soonest first token: 1. SmolLM2 135M (0.20 s)")


def test_the_tour_job_runs_every_chapter_and_reports_progress():
    class Job(Tour):
        def _compare(self, prompt, lanes, mode):
            return recording_runner([])(prompt, lanes, mode)

    job = Job(chapters(quick=True)[1:3], context=None, finalize=None, repeats=1)
    progress: list = []
    results = job.run(progress.append)
    assert [r.chapter.key for r in results] == ["input", "output"]
    assert (progress[0].chapter, progress[0].done, progress[-1].chapter, progress[-1].done) == (0, 0, 1, 2)
