"""The Tour page under AppTest, on the real embedded models: no sentence before a measurement, then one
computed from it, and a report to download."""

from __future__ import annotations

import pytest

from tests.ui.helpers import page, plain


def test_before_any_measurement_there_is_no_sentence():
    at = page("tour").run()
    assert not at.exception
    assert at.title[0].value.startswith("Tour")
    assert [s.value for s in at.subheader][:3] == [
        "1. Longer input is slower: the model reads every input token before it writes one.",
        "2. Longer output is slower and dearer: every output token is one more step.",
        "3. Bigger models are slower and need more memory: every token passes through every weight.",
    ]
    assert sum("no sentence without a measurement" in c.value for c in at.caption) == 3
    assert not at.get("download_button")


@pytest.mark.slow
def test_measuring_a_chapter_states_its_sentence_and_offers_the_report():
    at = page("tour").run()
    at.button(key="tour_run_output").click().run(timeout=300)
    assert not at.exception
    [sentence] = [plain(box.value) for box in at.info]
    assert sentence.startswith("Doubling the output from 16 to 32 tokens took") or sentence.startswith("Inconclusive")
    assert "95% interval" in sentence
    assert len(at.get("download_button")) == 1
    assert len(at.get("vega_lite_chart")) == 1
