"""Continuous batching against one request at a time, on SmolLM2 135M, side by side in one run.

The plain way: one request at a time (a load level of concurrency 1). Batched: the same prompts,
``--concurrency`` at a time through ``batching=continuous``. Rounds alternate the two so drift on
this noisy machine hits both. Prints aggregate output tokens/s for each, their ratio, and what
batching costs each request (TTFT and TPOT medians).

    .venv/bin/python -m benchmarks.batching [--rounds 2] [--concurrency 4] [--requests 8] [--tokens 64]
"""

from __future__ import annotations

import argparse
import statistics

from inference_core.backends import BackendContext
from inference_core.experiments.traffic import Load, run_level
from inference_core.price.goodput import LatencyObjective, level_summary
from inference_core.runs.lanes import Lane
from inference_core.types import Settings

MODEL = "smollm2-135m-instruct"
FIGURES = ("output_tok_per_s", "ttft_p50_s", "tpot_p50_s")


def level(context: BackendContext, settings: Settings, concurrency: int, requests: int) -> dict:
    run = run_level(Lane(MODEL, settings), Load("concurrency", concurrency, requests), context)
    return level_summary([r.result for r in run.records], run.duration_s, LatencyObjective())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--requests", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=64)
    args = parser.parse_args()
    context = BackendContext()
    plain = Settings(max_new_tokens=args.tokens, min_new_tokens=args.tokens)
    batched = plain.replace(batching="continuous")
    for settings in (plain, batched):  # load both models and start the scheduler first
        level(context, settings, 1, 1)
    runs: dict[str, list[dict]] = {"one at a time": [], "batched": []}
    for _ in range(args.rounds):
        runs["one at a time"].append(level(context, plain, 1, args.requests))
        runs["batched"].append(level(context, batched, args.concurrency, args.requests))
    print(f"SmolLM2 135M float32, {args.requests} requests of {args.tokens} pinned tokens, {args.rounds} rounds")
    print(f"{'mode':<16} {'output tok/s':>12} {'TTFT p50 s':>11} {'TPOT p50 s':>11}")
    medians = {mode: {k: statistics.median(r[k] for r in levels) for k in FIGURES} for mode, levels in runs.items()}
    for mode, m in medians.items():
        label = mode if mode == "one at a time" else f"{mode} x{args.concurrency}"
        print(f"{label:<16} {m['output_tok_per_s']:>12.1f} {m['ttft_p50_s']:>11.3f} {m['tpot_p50_s']:>11.3f}")
    plain_m, batched_m = medians["one at a time"], medians["batched"]
    print(f"aggregate output tokens/s, batched x{args.concurrency} / one at a time: "
          f"{batched_m['output_tok_per_s'] / plain_m['output_tok_per_s']:.2f}")  # fmt: skip
    print(f"each request's TPOT, batched / one at a time: {batched_m['tpot_p50_s'] / plain_m['tpot_p50_s']:.2f}")


if __name__ == "__main__":
    main()
