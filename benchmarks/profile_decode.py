"""Where each decoded token's time goes in transformers: matrix products, attention, other kernels,
and the Python and dispatch overhead between them (wall time the kernels do not account for).

Profiles a warm SmolLM2 generation of pinned length with ``torch.profiler`` and groups the
operators' self CPU time.

    .venv/bin/python -m benchmarks.profile_decode [--tokens 64] [--dtype float32] [--attention sdpa] [--cache dynamic]
        [--decoder fused|generate]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

import torch
from torch.profiler import ProfilerActivity, profile

from benchmarks.overhead import PROMPT
from inference_core.backends import BackendContext
from inference_core.backends.transformers_backend import generation_config, prompt_ids
from inference_core.models.catalog import resolve_reference
from inference_core.types import Settings

GROUPS = {
    "matrix products": ("aten::mm", "aten::addmm", "aten::bmm", "aten::linear", "aten::matmul", "quantized::"),
    "attention": ("aten::_scaled_dot_product", "aten::scaled_dot_product", "aten::softmax", "aten::_softmax"),
}


def group_of(name: str) -> str:
    return next((group for group, prefixes in GROUPS.items() if name.startswith(prefixes)), "other kernels")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--quantize", default="none")
    parser.add_argument("--attention", default="sdpa")
    parser.add_argument("--cache", default="dynamic")
    parser.add_argument("--decoder", default="fused", help="fused (where it runs) or generate")
    args = parser.parse_args()
    settings = Settings(dtype=args.dtype, quantize=args.quantize, attention=args.attention, cache=args.cache,
                        decoder=args.decoder, max_new_tokens=args.tokens, min_new_tokens=args.tokens)  # fmt: skip
    spec = resolve_reference("smollm2-135m-instruct")
    loaded = BackendContext().pool.get(spec, settings)
    input_ids = torch.tensor([prompt_ids(loaded.tokenizer, PROMPT, spec.chat)])
    config = generation_config(loaded, settings)
    fused = settings.load.decoder == "fused" and settings.load.cache == "dynamic" and loaded.decoder is not None

    def generate() -> None:
        with torch.inference_mode():
            loaded.model.generate(input_ids=input_ids, attention_mask=torch.ones_like(input_ids),
                                  generation_config=config,
                                  custom_generate=loaded.decoder.generate if fused else None)  # fmt: skip

    generate()  # warm-up
    started = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        generate()
    wall_ms = (time.perf_counter() - started) * 1000
    totals: dict[str, float] = defaultdict(float)
    for event in prof.key_averages():
        totals[group_of(event.key)] += event.self_cpu_time_total / 1000
    kernels = sum(totals.values())
    totals["Python and dispatch (wall - operators)"] = max(wall_ms - kernels, 0.0)
    print(f"{spec.name}, {settings.load.dtype}/{settings.load.quantize}, attention={settings.load.attention}, "
          f"cache={settings.load.cache}, decoder={'fused' if fused else 'generate'}: "
          f"{args.tokens} tokens in {wall_ms:.0f} ms under the profiler "
          f"({wall_ms / args.tokens:.1f} ms per token)")  # fmt: skip
    for group, ms in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"  {group:40} {ms:8.0f} ms  {ms / wall_ms:5.0%}")
    print("(the profiler adds its own overhead per operator: read the shares, not the absolute times)")
    if fused:
        print_unprofiled_split(loaded.decoder, input_ids[0])


def print_unprofiled_split(decoder, prompt_ids_1d: torch.Tensor, rounds: int = 5, tokens: int = 64) -> None:
    """Without the profiler: the fused forward per token against its matrix products alone (the same matrices,
    in the same order, on stand-in vectors), alternating; the difference is every other operator."""
    products = [m for layer in zip(decoder.qkv, decoder.out, decoder.gate_up, decoder.down, strict=True)
                for m in layer] + [decoder.head]  # fmt: skip
    vectors = {m.shape[0]: torch.randn(1, m.shape[0]) for m in products}
    forward_ms, products_ms = [], []
    with torch.inference_mode():
        for _ in range(rounds):
            cache = decoder.new_cache(len(prompt_ids_1d) + tokens)
            decoder.forward(prompt_ids_1d, 0, cache)
            token = prompt_ids_1d[-1:]
            started = time.perf_counter()
            for position in range(len(prompt_ids_1d), len(prompt_ids_1d) + tokens):
                decoder.forward(token, position, cache)
            forward_ms.append((time.perf_counter() - started) * 1000 / tokens)
            started = time.perf_counter()
            for _ in range(tokens):
                for matrix in products:
                    vectors[matrix.shape[0]] @ matrix
            products_ms.append((time.perf_counter() - started) * 1000 / tokens)
    forward, alone = statistics.median(forward_ms), statistics.median(products_ms)
    print(f"without the profiler (medians of {rounds} alternating rounds of {tokens} tokens): fused forward "
          f"{forward:.1f} ms per token; its {len(products)} matrix products alone {alone:.1f} ms "
          f"({alone / forward:.0%}); "
          f"every other operator {forward - alone:.1f} ms ({1 - alone / forward:.0%})")  # fmt: skip


if __name__ == "__main__":
    main()
