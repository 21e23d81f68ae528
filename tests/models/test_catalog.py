"""Model references and lane settings: validated, with messages that name the problem."""

from __future__ import annotations

import json

import pytest

from inference_core.models.catalog import ModelReferenceError, builtin_models, resolve_reference


def test_catalog_has_embedded_models_and_a_ladder_by_size():
    specs = builtin_models()
    keys = [s.key for s in specs]
    assert keys[:2] == ["smollm2-135m-instruct", "gemma3-270m"]
    assert specs[0].available and specs[1].available
    assert specs[0].chat and not specs[1].chat
    hub = [s for s in specs[2:] if s.source == "hub"]
    ladder = [s.params_m for s in hub]
    assert ladder == sorted(ladder) and ladder[-1] >= 3000
    assert all(not s.available and s.unavailable_reason for s in hub)
    shapes = [s for s in specs if s.source == "shape"]
    assert [s.key for s in specs[2 + len(hub) :]] == [s.key for s in shapes]  # the shape twins come last
    assert all(s.available and s.weights == "random" for s in shapes)


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("", "empty"),
        ("gpt-17", "unknown model"),
        ("hf:justaname", "hf:ORG/NAME"),
        ("hf:org/name@bad rev", "invalid revision"),
        ("local:/does/not/exist", "not found"),
        ("gguf:/tmp/model.bin", ".gguf"),
        ("gguf:/does/not/exist.gguf", "not found"),
        ("ftp:something", "unknown reference type"),
    ],
)
def test_bad_references_get_clear_messages(ref, message):
    with pytest.raises(ModelReferenceError, match=message):
        resolve_reference(ref)


def test_local_folder_without_config_is_refused(tmp_path):
    with pytest.raises(ModelReferenceError, match="no config.json"):
        resolve_reference(f"local:{tmp_path}")


def test_local_folder_reads_context_and_chat_template(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"max_position_embeddings": 4096}))
    (tmp_path / "chat_template.jinja").write_text("{{ messages }}")
    spec = resolve_reference(f"local:{tmp_path}")
    assert spec.source == "local" and spec.context_length == 4096 and spec.chat


def test_hub_reference_with_revision_offline_is_unavailable():
    spec = resolve_reference("hf:HuggingFaceTB/SmolLM2-360M-Instruct@main")
    assert spec.location == "HuggingFaceTB/SmolLM2-360M-Instruct" and spec.revision == "main"
    assert not spec.available
