"""The Tour page under AppTest, on the real embedded models: no sentence before a measurement, then one
computed from it, a report to download, and a saved tour reopened from its link without running anything."""

from __future__ import annotations

import pytest

from inference_core.engine import Engine
from inference_core.experiments import chapters, run_chapter
from tests.experiments.test_tour import recording_runner
from tests.ui.helpers import linked, page, plain


def test_before_any_measurement_there_is_no_sentence():
    at = page("tour").run()
    assert not at.exception
    assert at.title[0].value == "Why does AI still cost money after training?"
    claims = [s.value for s in at.subheader]
    assert len(claims) == 8
    assert claims[2] == "3. Longer output is slower and dearer: every output token is one more step."
    assert sum("no sentence without a measurement" in c.value for c in at.caption) == 8
    assert not at.get("download_button")


@pytest.mark.slow
def test_measuring_a_chapter_states_its_sentence_and_offers_the_report():
    at = page("tour").run()
    at.button(key="tour_run_output").click().run(timeout=300)
    assert not at.exception
    [sentence] = [plain(box.value) for box in [*at.info, *at.warning]]
    assert sentence.startswith("Doubling the output from 16 to 32 tokens took") or sentence.startswith("Inconclusive")
    assert "95% interval" in sentence
    assert len(at.get("download_button")) == 1
    assert len(at.get("vega_lite_chart")) == 1


def test_a_tour_link_reopens_the_saved_tour_without_running_anything():
    results = [run_chapter(chapter, recording_runner([]), repeats=2) for chapter in chapters(quick=True)[1:3]]
    run, errors = Engine().save_tour(results, quick=True)  # the history the page opens (the tests' data folder)
    assert errors == []
    at = linked("tour", tour=run.id)
    assert not at.exception
    assert any("Recorded" in plain(box.value) for box in at.success)
    shown = {plain(box.value) for box in [*at.info, *at.warning]}
    assert {result.sentence for result in results} <= shown  # recomputed from the saved rows, the same
    assert any(run.id in code.value and "?tour=" in code.value for code in at.code)
    assert len(at.get("download_button")) == 1


def test_a_recorded_tour_replays_at_its_recorded_timings():
    found = chapters(quick=True)
    results = [run_chapter(chapter, recording_runner([]), repeats=1) for chapter in (found[0], found[2])]
    run, _ = Engine().save_tour(results, quick=True)
    at = linked("tour", tour=run.id)
    [replay] = [button for button in at.button if button.label == "Replay at the recorded timings"]
    replay.click().run(timeout=120)
    assert not at.exception
    [bar] = at.get("progress")
    assert bar.proto.text == "Replayed at the recorded timings: every figure is the recorded one."
    assert {result.sentence for result in results} <= {plain(box.value) for box in [*at.info, *at.warning]}
