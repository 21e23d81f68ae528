"""Tokens made visible: escaped chips, confidence colours, and where samples leave the greedy answer."""

from __future__ import annotations

import pytest

from inference_core.charts.token_charts import confidence_chart, confidence_html, divergence, marked_sample, token_chips
from inference_core.runs.lanes import Lane
from inference_core.runs.runner import compare
from inference_core.types import RunResult, Settings

ATTACK = '<img src=x onerror="alert(1)">\x07\n'


def test_chips_escape_markup_and_show_whitespace_control_characters_and_partial_bytes():
    markup = token_chips([(1, "<img", "<img"), (2, "Ċ", "\n"), (3, "\x07", "\x07"), (4, "ðŁ", "\ufffd")])
    assert "<img" not in markup and "&lt;img" in markup
    assert "⏎" in markup and "\\x07" in markup
    assert 'class="chip partial"' in markup and "ðŁ" in markup  # a piece of a character shows its raw piece


def test_confidence_colours_and_hover_are_escaped():
    result = RunResult(model="m", model_name="m", settings=Settings(), ok=True, token_texts=(ATTACK, " ok"),
                       token_logprobs=(-0.1, -2.0), top_logprobs=(((ATTACK, -0.1),), ((" ok", -2.0),)),
                       token_entropy=(0.5, 1.5))  # fmt: skip
    markup = confidence_html(result)
    assert "<img" not in markup and "&lt;img" in markup
    assert "hsl(109" in markup and "\\x07" in markup and "\x07" not in markup  # p = 0.905: green; BEL shown
    assert "token" in str(confidence_chart(result).to_dict())


@pytest.mark.slow
def test_same_seed_same_sample_and_different_seeds_record_where_they_part(context):
    base = Settings(max_new_tokens=16, temperature=1.2)
    greedy, first, again, other = compare("Name a good name for a cat.", [
        Lane("smollm2-135m-instruct", Settings(max_new_tokens=16)), Lane("smollm2-135m-instruct", base.replace(seed=1)),
        Lane("smollm2-135m-instruct", base.replace(seed=1)), Lane("smollm2-135m-instruct", base.replace(seed=2)),
    ], context=context)  # fmt: skip
    assert first.text == again.text and divergence(first, again) is None
    parted = divergence(greedy, other)
    if parted is None:
        assert other.text == greedy.text
    else:
        assert greedy.token_texts[:parted] == other.token_texts[:parted]
        assert "&#9656;" in marked_sample(other, parted)
