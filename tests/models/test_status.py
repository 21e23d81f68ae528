"""Inventory: bytes on disk, converted caches and loaded weights of each model."""

from __future__ import annotations

from inference_core.models.catalog import resolve_reference
from inference_core.models.status import inventory, loaded_models
from inference_core.models.weights import ModelPool
from inference_core.types import Settings


def test_a_loaded_converted_model_shows_its_disk_cache_and_memory(smollm2, smollm2_dir):
    pool = ModelPool()
    pool.get(smollm2, Settings())
    [status] = inventory([smollm2], pool)
    assert status.converted and status.on_disk_mb > 100 and status.loaded_mb > 100
    [loaded] = loaded_models(pool)
    assert loaded.key == smollm2.key and loaded.load_key == ("float32", "none", "cpu")


def test_a_local_folder_is_measured_and_nothing_is_loaded(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "model.safetensors").write_bytes(b"x" * 2**20)
    [status] = inventory([resolve_reference(f"local:{tmp_path}")], ModelPool())
    assert round(status.on_disk_mb, 2) == 1.0 and not status.converted and status.loaded_mb is None
