"""Streaming overhead: the backend's timestamped, streamed run against raw ``model.generate``.

In one process, alternates pairs of (raw generate, backend run) on SmolLM2 with pinned
output length and prints the median ratio of decode throughput, plus decode speed as a
share of the memory-bandwidth roofline measured in the same run.

    .venv/bin/python -m benchmarks.overhead [--pairs 5] [--tokens 128] [--dtype float32]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import torch

from inference_core.backends import BackendContext, create_backend
from inference_core.backends.transformers_backend import generation_config, prompt_ids
from inference_core.measure.memory import memory_bandwidth_gb_s
from inference_core.models.catalog import resolve_reference
from inference_core.types import GenerationRequest, Settings

PROMPT = "Write a short story about a lighthouse keeper who finds a message in a bottle."


def raw_decode_tok_per_s(loaded, ids: list[int], settings: Settings) -> float:
    """(n - 1) / (time for n tokens - time for 1 token): decode rate of plain generate."""
    input_ids = torch.tensor([ids])
    mask = torch.ones_like(input_ids)

    def timed(new_tokens: int) -> float:
        config = generation_config(loaded, settings.replace(max_new_tokens=new_tokens, min_new_tokens=new_tokens))
        started = time.perf_counter()
        with torch.inference_mode():
            loaded.model.generate(input_ids=input_ids, attention_mask=mask, generation_config=config)
        return time.perf_counter() - started

    one = timed(1)
    full = timed(settings.max_new_tokens)
    return (settings.max_new_tokens - 1) / (full - one)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--dtype", default="float32")
    args = parser.parse_args()

    spec = resolve_reference("smollm2-135m-instruct")
    settings = Settings(dtype=args.dtype, max_new_tokens=args.tokens, min_new_tokens=args.tokens)
    context = BackendContext()
    backend = create_backend("transformers", context)
    loaded = context.pool.get(spec, settings)
    ids = prompt_ids(loaded.tokenizer, PROMPT, spec.chat)
    request = GenerationRequest(PROMPT, settings)

    def streamed() -> float:
        result = backend.run(0, spec, request, lambda event: None, threading.Event())
        assert result.ok and result.tokens_out == args.tokens, result.error
        return result.decode_tok_per_s

    streamed()  # warm-up, not counted
    raw_rates, streamed_rates, ratios = [], [], []
    for pair in range(args.pairs):
        raw = raw_decode_tok_per_s(loaded, ids, settings)
        ours = streamed()
        raw_rates.append(raw)
        streamed_rates.append(ours)
        ratios.append(ours / raw)
        print(f"pair {pair + 1}: raw {raw:6.1f} tok/s   streamed {ours:6.1f} tok/s   ratio {ours / raw:.3f}")

    bandwidth = memory_bandwidth_gb_s()
    weight_bytes = loaded.weights_mb * 2**20
    roofline = bandwidth * 1e9 / weight_bytes
    decode = statistics.median(streamed_rates)
    print(f"\nmodel: {spec.name}, {args.dtype}, {args.tokens} pinned new tokens, {torch.get_num_threads()} threads")
    print(f"median decode: raw {statistics.median(raw_rates):.1f} tok/s, streamed {decode:.1f} tok/s")
    print(f"median ratio streamed/raw: {statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})")
    print(f"memory bandwidth (GEMV read): {bandwidth:.1f} GB/s; weights {weight_bytes / 1e9:.3f} GB per token")
    print(f"roofline {roofline:.1f} tok/s; streamed decode is {decode / roofline:.0%} of it")


if __name__ == "__main__":
    main()
