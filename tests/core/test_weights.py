"""Weights: the converted cache is keyed by source and content, and concurrent estimates never touch a load."""

from __future__ import annotations

import os
import threading

import pytest
import torch

from inference_core.catalog import resolve_reference
from inference_core.estimate import estimate
from inference_core.types import Settings
from inference_core.weights import ModelPool, cache_name, converted_dir, load_model


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


def test_estimates_running_beside_a_load_leave_it_real(smollm2, gemma3, smollm2_dir):
    """The report's defect: a meta-device estimate on one thread turned another thread's load into meta tensors."""
    stop = threading.Event()
    estimates: list[float] = []

    def estimate_forever() -> None:
        while not stop.is_set():
            estimates.append(estimate(gemma3, Settings()).weights_mb)

    worker = threading.Thread(target=estimate_forever)
    worker.start()
    try:
        for dtype in ("float32", "bfloat16"):
            loaded = ModelPool(load_model).get(smollm2, Settings(dtype=dtype))
            assert not any(t.is_meta for t in loaded.model.state_dict().values())
            assert all(p.dtype == getattr(torch, dtype) for p in loaded.model.parameters())
            ids = loaded.tokenizer("Hello", return_tensors="pt")["input_ids"]
            assert loaded.model.generate(ids, max_new_tokens=2, do_sample=False).shape[1] == ids.shape[1] + 2
    finally:
        stop.set()
        worker.join()
    assert len(estimates) >= 1 and len(set(estimates)) == 1


def test_a_load_that_fails_is_not_kept_in_the_pool(smollm2):
    calls = []

    def failing(spec, settings, progress, cancel=None):
        calls.append(spec.key)
        raise RuntimeError("disk on fire")

    pool = ModelPool(failing)
    for _ in range(2):
        with pytest.raises(RuntimeError, match="disk on fire"):
            pool.get(smollm2, Settings())
    assert calls == [smollm2.key] * 2 and pool.loaded() == []
