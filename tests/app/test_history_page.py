"""The History page under AppTest: list, open, compare two runs, replay, delete."""

from __future__ import annotations

import pytest

from inference_core.lanes import Lane
from inference_core.runner import compare
from inference_core.store import RunRecorder, RunStore
from inference_core.types import Settings
from tests.app.helpers import click, page


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


def test_history_lists_opens_compares_replays_and_deletes(two_runs):
    at = page("history")
    at.run()
    assert not at.exception
    picker = at.multiselect(key="history_selected")
    assert len(picker.options) == 2 and all("Name a" in option for option in picker.options)

    picker.set_value([two_runs[0]]).run()
    assert not at.exception
    assert at.dataframe[0].value["status"].tolist() == ["done"]
    click(at, "Replay", timeout=60)
    assert not at.exception
    assert any("Replayed at 1x" in c.value for c in at.caption)

    at.multiselect(key="history_selected").set_value(two_runs).run()
    assert any("2 runs together" in h.value for h in at.subheader)
    assert len(at.dataframe[0].value) == 2
    assert at.get("vega_lite_chart")

    at.multiselect(key="history_selected").set_value([two_runs[1]]).run()
    click(at, "Delete selected")
    assert "Delete 1 run(s)?" in at.warning[0].value
    click(at, "Yes, delete")
    assert [r.id for r in RunStore().list_runs()] == [two_runs[0]]
    assert len(at.multiselect(key="history_selected").options) == 1


def test_search_filters_the_list(two_runs):
    at = page("history")
    at.run()
    at.text_input(key="history_text").set_value("color").run()
    [only] = at.multiselect(key="history_selected").options
    assert "Name a color." in only
    at.text_input(key="history_text").set_value("no such text anywhere").run()
    assert "match these filters" in at.info[0].value
