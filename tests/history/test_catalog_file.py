"""The user's catalog file: references kept across sessions, credentials never written."""

from __future__ import annotations

import pytest

from inference_core.history.catalog_file import load_user_catalog, remember, user_catalog_path


@pytest.fixture(autouse=True)
def data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("INFERENCE_LENS_DATA", str(tmp_path))


def test_references_are_kept_once_and_scrubbed():
    remember("hf:Qwen/Qwen2.5-0.5B-Instruct")
    remember("hf:Qwen/Qwen2.5-0.5B-Instruct")
    remember("openai:m@https://user:secret@example.com/v1")
    assert load_user_catalog() == ["hf:Qwen/Qwen2.5-0.5B-Instruct", "openai:m@https://example.com/v1"]
    assert "secret" not in user_catalog_path().read_text()


@pytest.mark.parametrize("content", ["{not json", '{"a": 1}', '[1, "hf:a/b", null]'])
def test_an_unreadable_or_odd_file_counts_as_empty_or_keeps_its_strings(content):
    user_catalog_path().write_text(content)
    assert load_user_catalog() == (["hf:a/b"] if content.startswith("[") else [])
