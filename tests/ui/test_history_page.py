"""The History page under AppTest: list, open, compare two runs, replay, delete."""

from __future__ import annotations

import pytest

from inference_core.history.store import RunRecorder, RunStore
from inference_core.runs.lanes import Lane
from inference_core.runs.runner import compare
from inference_core.types import Settings
from tests.ui.helpers import click, page


@pytest.fixture(scope="module")
def two_runs(context) -> list[str]:
    """Two real comparisons saved to the (test) history the app reads."""
    store = RunStore()
    for run in store.list_runs():
        store.delete_runs([run.id])
    ids = []
    for prompt in ("Name a color.", "Name an animal."):
        recorder = RunRecorder(store, "compare", prompt)
        compare(prompt, [Lane("smollm2-135m-instruct", Settings(max_new_tokens=5))], context=context,
                on_result=recorder)  # fmt: skip
        ids.append(recorder.run_id)
    return ids


def listed(at) -> list[str]:
    """The prompts in the runs table, newest first."""
    return list(at.dataframe[0].value["prompt"])


def select(at, rows: list[int]):
    """Tick rows of the runs table, as a click on their checkboxes does."""
    state = at.session_state
    generation = state["history_table_generation"] if "history_table_generation" in state else 0  # noqa: SIM401
    key = f"history_selected-{generation}"
    at.session_state[key] = {"selection": {"rows": rows, "columns": [], "cells": []}}
    return at.run()


@pytest.mark.slow
def test_history_lists_opens_compares_replays_and_deletes(two_runs):
    at = page("history")
    at.run()
    assert not at.exception
    assert listed(at) == ["Name an animal.", "Name a color."]  # newest first
    assert list(at.dataframe[0].value["size"]) == ["1 lane", "1 lane"]

    select(at, [1])  # the first run saved
    assert not at.exception
    assert [h.value for h in at.subheader][:1] == ["Replay"]  # Replay first, near the top
    assert at.dataframe[1].value["status"].tolist() == ["done"]
    click(at, "Replay", timeout=60)
    assert not at.exception
    assert any("Replayed at 1x" in c.value for c in at.caption)

    select(at, [0, 1])
    assert any("2 runs together" in h.value for h in at.subheader)
    assert len(at.dataframe[1].value) == 2
    assert at.get("vega_lite_chart")

    select(at, [0])
    click(at, "Delete selected")
    assert "Delete 1 run(s)?" in at.warning[0].value
    click(at, "Yes, delete")
    assert [r.id for r in RunStore().list_runs()] == [two_runs[0]]
    assert listed(at) == ["Name a color."]


def test_search_filters_the_list(two_runs):
    at = page("history")
    at.run()
    at.text_input(key="history_text").set_value("color").run()
    assert listed(at) == ["Name a color."]
    at.text_input(key="history_text").set_value("no such text anywhere").run()
    assert "match these filters" in at.info[0].value


def test_a_replay_shows_the_recorded_figures_at_any_speed():
    from inference_core import REPLAY_SPEEDS
    from inference_core.types import TokenEvent
    from ui.compare_view import LiveLane

    for speed, factor in REPLAY_SPEEDS.items():
        lane = LiveLane("replay", time_scale=factor)
        assert lane.figures() == ""  # nothing before the first event: no placeholder line
        recorded = [0.56, 0.56 + 1 / 7.8, 0.56 + 2 / 7.8]  # TTFT 0.56 s, then 7.8 tok/s
        for index, at in enumerate(recorded):
            lane.apply(TokenEvent(0, index, -1, "x", 0.0, at / factor if factor else 0.0))
        shown = lane.figures()
        if factor:
            assert "TTFT 0.56 s" in shown and "7.8 tok/s" in shown, speed
        else:
            assert "replayed at once" in shown and "TTFT" not in shown


def test_a_saved_evaluation_opens_as_an_evaluation():
    from inference_core.engine import Engine, Saving
    from inference_core.experiments import builtin_questions

    engine = Engine()  # the history the page opens (the tests' data folder)
    recorder = engine.recorder(Saving("eval", "Quality: one", title="Quality: one"))
    lanes = [Lane("smollm2-135m-instruct", Settings(max_new_tokens=4))]
    engine.evaluation(builtin_questions()[:1], lanes, on_row=recorder).run()
    at = page("compare")
    at.query_params["run"] = recorder.run_id
    at.run(timeout=60)
    assert not at.exception
    assert at.subheader[0].value.startswith("Eval of")
    assert len(at.dataframe) == 2  # the summary, and every answer
