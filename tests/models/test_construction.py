"""Construction: estimates and loads on different threads never corrupt each other."""

from __future__ import annotations

import threading

import pytest
import torch

from inference_core.models.sizing import estimate
from inference_core.models.weights import ModelPool, load_model
from inference_core.types import Settings


@pytest.mark.slow
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
