"""Paths: cache folders keyed by a readable name and a source fingerprint."""

from __future__ import annotations

import os

from inference_core.models.catalog import resolve_reference
from inference_core.models.paths import cache_name, converted_dir


def fake_gguf(path, content: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return resolve_reference(f"gguf:{path}")


def test_look_alike_gguf_paths_get_separate_cache_folders(tmp_path):
    nested = fake_gguf(tmp_path / "a" / "b.gguf", b"GGUF one")
    flat = fake_gguf(tmp_path / "a_b.gguf", b"GGUF one")
    assert converted_dir(nested) != converted_dir(flat)


def test_a_changed_gguf_file_gets_a_new_cache_folder(tmp_path):
    path = tmp_path / "m.gguf"
    spec = fake_gguf(path, b"GGUF first version")
    before = cache_name(spec)
    assert cache_name(spec) == before  # stable while the file is unchanged
    path.write_bytes(b"GGUF second version, longer")
    os.utime(path, ns=(1, 1))
    assert cache_name(spec) != before


def test_packaged_models_are_keyed_by_their_package_version(smollm2):
    assert cache_name(smollm2).startswith("smollm2-135m-instruct-") and len(cache_name(smollm2)) > 30
