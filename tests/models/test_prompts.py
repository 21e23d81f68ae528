"""Prompts: the examples and documents of a chosen length that the input-length experiment needs."""

from __future__ import annotations

from inference_core.models.prompts import EXAMPLES, QUESTION, document_prompt


def test_document_prompts_grow_by_the_words_asked_for():
    short, long = document_prompt(50), document_prompt(500)
    assert QUESTION in short and QUESTION in long
    assert len(long.split()) - len(short.split()) == 450


def test_every_example_is_a_non_empty_prompt():
    assert all(text.strip() for text in EXAMPLES.values()) and "A fluent answer can be wrong" in EXAMPLES


def test_a_base_model_is_asked_for_a_completion_that_ends_with_its_answer():
    from inference_core.models.prompts import answer_ended, completion_prompt, trim_answer

    assert completion_prompt("  What is the capital of France? ") == "Question: What is the capital of France?\nAnswer:"
    assert not answer_ended("\n\n")  # nothing answered yet
    assert not answer_ended(" Paris")
    assert answer_ended(" Paris.\n\nQuestion")
    assert answer_ended(" Paris.\nQuestion: and Spain?")
    assert trim_answer(" Paris.\nQuestion: and Spain?") == " Paris."
    assert trim_answer("\n\nParis\n\nmore") == "\n\nParis" and trim_answer("Paris") == "Paris"


def test_gemma_answers_once_and_stops_where_its_answer_ends(context):
    from inference_core.models.prompts import COMPLETION_NOTE
    from inference_core.runs.lanes import Lane
    from inference_core.runs.runner import compare
    from inference_core.types import Settings

    lanes = [Lane("gemma3-270m", Settings(max_new_tokens=64)),
             Lane("gemma3-270m", Settings(max_new_tokens=12, min_new_tokens=12))]  # fmt: skip
    free, pinned = compare("What is the capital of France?", lanes, context=context)
    assert free.ok and 1 < free.tokens_out < 64, free.text  # it stopped at the end of its answer
    assert "Question:" not in free.text and "\n\n" not in free.text.strip()  # the stop is not shown
    assert COMPLETION_NOTE in free.notes
    assert pinned.tokens_out == 12  # a pinned run is never cut short
