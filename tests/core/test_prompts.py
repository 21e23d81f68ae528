"""Prompts: the examples and documents of a chosen length that the input-length experiment needs."""

from __future__ import annotations

from inference_core.prompts import EXAMPLES, QUESTION, document_prompt


def test_document_prompts_grow_by_the_words_asked_for():
    short, long = document_prompt(50), document_prompt(500)
    assert QUESTION in short and QUESTION in long
    assert len(long.split()) - len(short.split()) == 450


def test_every_example_is_a_non_empty_prompt():
    assert all(text.strip() for text in EXAMPLES.values()) and "A fluent answer can be wrong" in EXAMPLES
