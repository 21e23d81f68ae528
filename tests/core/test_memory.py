"""Memory: the KV-cache formula, bytes of a model's tensors, and the peak-RSS sampler."""

from __future__ import annotations

import gc
import time
from types import SimpleNamespace

import torch

from inference_core.memory import PeakRssSampler, kv_cache_bytes, tensor_bytes


def test_kv_cache_follows_the_formula_with_grouped_query_attention():
    config = SimpleNamespace(num_hidden_layers=30, num_attention_heads=9, num_key_value_heads=3, hidden_size=576)
    assert kv_cache_bytes(config, tokens=100, dtype="bfloat16") == 2 * 30 * 3 * 64 * 2 * 100


def test_tied_weights_are_counted_once():
    embedding = torch.nn.Embedding(10, 4)
    head = torch.nn.Linear(4, 10, bias=False)
    head.weight = embedding.weight
    model = torch.nn.ModuleDict({"embed": embedding, "head": head})
    assert tensor_bytes(model) == 10 * 4 * 4


def test_the_sampler_sees_an_allocation_made_inside_it():
    gc.collect()  # an earlier test's model freed mid-sample would offset the allocation
    with PeakRssSampler(interval_s=0.005) as rss:
        block = bytearray(200 * 2**20)
        block[::4096] = b"x" * len(block[::4096])  # touch every page
        time.sleep(0.05)
    del block
    assert rss.delta_mb > 150
