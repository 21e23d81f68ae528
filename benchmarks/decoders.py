"""The fused decode loop against transformers' generate loop, alternating through the app.

SmolLM2 135M float32, the same prompt and pinned output length; each pair runs ``decoder=fused`` then
``decoder=generate`` and reads the memory bandwidth before and after, so each pair's roofline is its
own. Prints every pair and the medians of the speed ratio and of each decoder's share of the roofline.

    .venv/bin/python -m benchmarks.decoders [--pairs 8] [--tokens 128]
"""

from __future__ import annotations

import argparse
import statistics
import threading

from benchmarks.overhead import PROMPT
from inference_core.backends import BackendContext, create_backend
from inference_core.measure.memory import memory_bandwidth_gb_s
from inference_core.models.catalog import resolve_reference
from inference_core.types import GenerationRequest, Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=128)
    args = parser.parse_args()
    context = BackendContext()
    backend = create_backend("transformers", context)
    spec = resolve_reference("smollm2-135m-instruct")
    base = Settings(max_new_tokens=args.tokens, min_new_tokens=args.tokens)

    def decode(decoder: str) -> float:
        request = GenerationRequest(PROMPT, base.replace(decoder=decoder))
        result = backend.run(0, spec, request, lambda event: None, threading.Event())
        assert result.ok and result.settings.load.decoder == decoder, result.error or result.notes
        return result.decode_tok_per_s

    decode("fused"), decode("generate")  # warm-up, not counted
    weight_bytes = context.pool.get(spec, base).weights_mb * 2**20
    ratios, fused_shares, generate_shares = [], [], []
    for pair in range(args.pairs):
        before = memory_bandwidth_gb_s()
        fused, generate = decode("fused"), decode("generate")
        bandwidth = (before + memory_bandwidth_gb_s()) / 2
        roofline = bandwidth * 1e9 / weight_bytes
        ratios.append(fused / generate)
        fused_shares.append(fused / roofline)
        generate_shares.append(generate / roofline)
        print(f"pair {pair + 1}: fused {fused:5.1f} tok/s, generate {generate:5.1f} tok/s, "
              f"ratio {fused / generate:.2f}; roofline {roofline:.1f} tok/s ({bandwidth:.1f} GB/s): "
              f"{fused / roofline:.0%} / {generate / roofline:.0%}")  # fmt: skip
    median = statistics.median
    print(f"\nmedians over {args.pairs} pairs: fused / generate {median(ratios):.2f}; share of the roofline: "
          f"fused {median(fused_shares):.0%}, generate {median(generate_shares):.0%}")  # fmt: skip


if __name__ == "__main__":
    main()
