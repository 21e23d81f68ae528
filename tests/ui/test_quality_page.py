"""The Tokens & quality page under AppTest, on the real packaged models."""

from __future__ import annotations

import pytest

from tests.ui.helpers import click, linked, page

MARKUP = "<script>alert(1)</script><img src=x onerror=alert(2)>\x07 café 🙂"


def test_tokens_of_a_hostile_prompt_are_chips_of_escaped_text():
    at = page("quality")
    at.run(timeout=120)
    assert not at.exception
    at.text_area(key="tokens_text").set_value(MARKUP).run(timeout=120)
    assert not at.exception
    chips = [element.proto.body for element in at.get("html")]
    assert len(chips) == 2 and all("&lt;" in body and "<script" not in body and "<img" not in body for body in chips)
    assert all("\\x07" in body for body in chips)  # the control character is shown, not swallowed
    counts = [m.value for m in at.markdown if "token" in m.value]
    assert len(counts) == 2 and counts[0] != counts[1]  # two tokenizers, two counts


@pytest.mark.slow
def test_confidence_and_samples_render_for_smollm2():
    at = page("quality")
    at.run(timeout=120)
    at.number_input(key="confidence_tokens").set_value(8).run()
    click(at, "Generate", timeout=120)
    assert not at.exception
    assert any("hsl(" in element.proto.body for element in at.get("html"))
    assert at.get("vega_lite_chart")
    at.number_input(key="samples_count").set_value(2).run()
    click(at, "Sample", timeout=180)
    assert not at.exception
    marks = [m.value for m in at.markdown if m.value.startswith("**Seed")]
    assert len(marks) == 2 and all("greedy answer" in m for m in marks)


def test_the_quality_tab_offers_the_built_in_set():
    at = page("quality")
    at.run(timeout=120)
    assert any("built-in set: 30 questions" in c.value.replace("\\", "") for c in at.caption)


def test_a_tour_link_fills_the_samples_in():
    at = linked("quality", model="gemma3-270m", prompt="Name a cat.", temperature="1.0")
    assert not at.exception
    assert at.selectbox(key="samples_model").value == "gemma3-270m"
    assert at.text_area(key="samples_prompt").value == "Name a cat."
    assert at.number_input(key="samples_temperature").value == 1.0
    assert at.multiselect(key="quality_models").value == ["gemma3-270m"]
