"""Weights: one load per model however many ask (single-flight), unloading, and a failed load never pooled."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from inference_core.models.weights import ModelPool, load_model
from inference_core.runs.lanes import Lane
from inference_core.runs.runner import compare
from inference_core.types import Settings


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


@pytest.mark.slow
def test_eight_threads_asking_for_a_cold_model_convert_and_load_once(tmp_path, monkeypatch, smollm2):
    monkeypatch.setenv("INFERENCE_LENS_CACHE", str(tmp_path))
    loads: list[str] = []
    conversions: list[str] = []

    def counting_loader(spec, settings, progress, cancel=None):
        loads.append(spec.key)
        return load_model(spec, settings, lambda msg, frac: conversions.append(msg) if "converting" in msg else None)

    pool = ModelPool(counting_loader)
    got = []
    threads = [threading.Thread(target=lambda: got.append(pool.get(smollm2, Settings()))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1 and len(conversions) == 1
    assert len({id(model) for model in got}) == 1 and len(got) == 8


UNLOAD = """
import json, torch, transformers
from inference_core.models.catalog import resolve_reference
from inference_core.measure.memory import rss_mb
from inference_core.types import Settings
from inference_core.models.weights import ModelPool
pool, spec = ModelPool(), resolve_reference("smollm2-135m-instruct")
before = rss_mb()
weights_mb = pool.get(spec, Settings()).weights_mb
loaded = rss_mb()
dropped = pool.unload(spec.key)
print(json.dumps([weights_mb, loaded - before, loaded - rss_mb(), dropped, len(pool.loaded())]))
"""


@pytest.mark.slow
def test_unload_frees_the_model(smollm2):
    # in a fresh process: this one's freed memory from earlier tests would be reused by the load, unseen
    done = subprocess.run([sys.executable, "-c", UNLOAD], capture_output=True, text=True, timeout=300, check=True)
    weights_mb, grown_mb, freed_mb, dropped, left = json.loads(done.stdout.strip().splitlines()[-1])
    assert grown_mb > weights_mb / 2 and freed_mb >= weights_mb / 2
    assert (dropped, left) == (1, 0)


@pytest.mark.slow
def test_sequential_unload_after_each_lane(context, smollm2, gemma3):
    from inference_core.backends import BackendContext

    pool = ModelPool()
    lanes = [Lane(smollm2.key, Settings(max_new_tokens=3)), Lane(gemma3.key, Settings(max_new_tokens=3))]
    results = compare("Hi", lanes, context=BackendContext(pool=pool), unload_after=True)
    assert all(r.ok for r in results)
    assert pool.loaded() == []
