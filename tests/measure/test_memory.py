"""Memory: the KV-cache formula, bytes of a model's tensors, and the peak-RSS sampler."""

from __future__ import annotations

import gc
import time
from types import SimpleNamespace

import torch

from inference_core.measure import memory
from inference_core.measure.memory import PeakRssSampler, kv_cache_bytes, tensor_bytes


def test_kv_cache_follows_the_formula_with_grouped_query_attention():
    config = SimpleNamespace(num_hidden_layers=30, num_attention_heads=9, num_key_value_heads=3, hidden_size=576)
    assert kv_cache_bytes(config, tokens=100, dtype="bfloat16") == 2 * 30 * 3 * 64 * 2 * 100


def test_tied_weights_are_counted_once():
    embedding = torch.nn.Embedding(10, 4)
    head = torch.nn.Linear(4, 10, bias=False)
    head.weight = embedding.weight
    model = torch.nn.ModuleDict({"embed": embedding, "head": head})
    assert tensor_bytes(model) == 10 * 4 * 4


def _touch(megabytes: int) -> bytearray:
    block = bytearray(megabytes * 2**20)
    block[::4096] = b"x" * len(block[::4096])  # touch every page
    return block


def test_the_sampler_sees_an_allocation_made_inside_it():
    gc.collect()  # an earlier test's model freed mid-sample would offset the allocation
    with PeakRssSampler(interval_s=0.005) as rss:
        block = _touch(200)
        time.sleep(0.05)
    del block
    assert rss.delta_mb > 150


def test_the_high_water_mark_sees_a_peak_freed_before_any_sample():
    gc.collect()
    with PeakRssSampler(interval_s=60) as rss:  # the thread, were there one, would never wake
        block = _touch(200)
        del block
    assert rss.exact  # Linux offers the resettable mark here
    assert rss.delta_mb > 150


def test_a_peak_before_entry_does_not_count():
    gc.collect()
    block = _touch(300)
    del block
    with PeakRssSampler(interval_s=60) as rss:
        pass
    assert rss.exact and rss.delta_mb < 50


def test_a_sampler_inside_another_samples_and_leaves_the_outer_mark_standing():
    gc.collect()
    with PeakRssSampler(interval_s=60) as outer:
        with PeakRssSampler(interval_s=0.005) as inner:
            block = _touch(200)
            time.sleep(0.05)
        del block
        with PeakRssSampler(interval_s=60) as later:  # the outer is still inside: no reset
            pass
    assert outer.exact and not inner.exact and not later.exact
    assert outer.delta_mb > 150 and inner.delta_mb > 150
    assert PeakRssSampler._inside == 0


def test_without_the_mark_it_samples(monkeypatch, tmp_path):
    monkeypatch.setattr(memory, "CLEAR_REFS", tmp_path / "missing" / "clear_refs")
    gc.collect()
    with PeakRssSampler(interval_s=0.005) as rss:
        block = _touch(200)
        time.sleep(0.05)
    del block
    assert not rss.exact and rss.delta_mb > 150
