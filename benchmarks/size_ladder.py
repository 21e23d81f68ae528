"""The size ladder offline: shape-only models measured against the estimate, against a real twin, and swept.

    .venv/bin/python -m benchmarks.size_ladder [--skip-estimate] [--skip-twin] [--skip-sweep]

1. Estimate against measurement: each shape that fits here in bfloat16 up to 3B is loaded and run
   once in a fresh process (tests/models/measure_rss.py); its RSS growth is compared with the
   estimate's total at the same context. The overhead term was fitted on the two embedded models
   only, so this checks it on architectures it never saw.
2. Twin: the packaged SmolLM2 135M (trained weights, saved with save_pretrained) against a shape
   built from the same config.json (random weights), decode tok/s alternated run by run.
3. The model-size sweep over the whole ladder in bfloat16 at 64 pinned tokens: wall time per size
   and decode speed as a share of the memory-bandwidth roofline.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from inference_core.backends import BackendContext
from inference_core.experiments.job import Sweep
from inference_core.experiments.plans import plan_sweep
from inference_core.models.catalog import builtin_models, resolve_reference
from inference_core.models.sizing import ladder
from inference_core.models.weights import convert_gguf
from inference_core.runs.lanes import Lane
from inference_core.runs.runner import compare
from inference_core.types import ModelSpec, Settings

MAX_ESTIMATED_PARAMS_M = 3200


def estimate_against_measurement() -> None:
    from inference_core.models.sizing import estimate

    print("\n1. estimate vs RSS growth in a fresh process (bfloat16, 16 pinned tokens)")
    print(f"{'model':<36}{'estimated MB':>14}{'measured MB':>13}{'error':>8}")
    for spec in ladder(builtin_models(), Settings(dtype="bfloat16")):
        if spec.source != "shape" or (spec.params_m or 0) > MAX_ESTIMATED_PARAMS_M:
            continue
        done = subprocess.run([sys.executable, "-m", "tests.models.measure_rss", spec.key, "bfloat16"],
                              capture_output=True, text=True, timeout=900)  # fmt: skip
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        predicted = estimate(spec, Settings(dtype="bfloat16"), context=measured["tokens"]).total_mb
        error = predicted / measured["measured_mb"] - 1
        print(f"{spec.name:<36}{predicted:>14,.0f}{measured['measured_mb']:>13,.0f}{error:>+8.0%}")


def twin(pairs: int, tokens: int) -> None:
    real = resolve_reference("smollm2-135m-instruct")
    folder = convert_gguf(real)
    shape = ModelSpec(key="shape:smollm2-135m-twin", name="SmolLM2 135M (shape twin)", source="shape",
                      location=str(folder), params_m=real.params_m, context_length=8192, weights="random")  # fmt: skip
    context = BackendContext()
    settings = Settings(max_new_tokens=tokens, min_new_tokens=tokens)
    models = [real, shape]
    prompt = "Write a short story about a lighthouse keeper."
    warm = Settings(max_new_tokens=4)  # loads both, not counted
    compare(prompt, [Lane(real.key, warm), Lane(shape.key, warm)], context=context, models=models)
    speeds: dict[str, list[float]] = {"real": [], "shape": []}
    for _ in range(pairs):
        first, second = compare(prompt, [Lane(real.key, settings), Lane(shape.key, settings)], context=context,
                                models=models)  # fmt: skip
        if not (first.ok and second.ok):
            raise SystemExit(f"a twin lane failed: {first.error or second.error}")
        speeds["real"].append(first.decode_tok_per_s or 0.0)
        speeds["shape"].append(second.decode_tok_per_s or 0.0)
    ratio = statistics.median(s / r for r, s in zip(speeds["real"], speeds["shape"], strict=True))
    print(f"\n2. twin, float32, {tokens} pinned tokens, {pairs} alternated pairs: real "
          f"{statistics.median(speeds['real']):.1f} tok/s, shape {statistics.median(speeds['shape']):.1f} tok/s; "
          f"shape / real = {ratio:.3f} (median of per-pair ratios)")  # fmt: skip


def sweep(tokens: int) -> None:
    """The model-size sweep, one model at a time so each size's wall time (load + warm-up + run) is its own."""
    context = BackendContext()
    base = Settings(dtype="bfloat16", max_new_tokens=tokens)
    print(f"\n3. model-size sweep, bfloat16, {tokens} pinned tokens, 1 repeat after a warm-up")
    print(f"{'model':<40}{'params M':>9}{'wall s':>8}{'TTFT s':>8}{'tok/s':>8}{'roofline':>10}{'share':>7}"
          f"{'model MB':>10}")  # fmt: skip
    started = time.perf_counter()
    for spec in ladder(builtin_models(), base):
        job = Sweep(plan_sweep("model-size", [spec.key], base=base, repeats=1), context)
        wall = time.perf_counter()
        [row] = job.run()
        wall = time.perf_counter() - wall
        roofline = row.get("roofline_tok_per_s") or float("nan")
        decode = row["decode_tok_per_s"] or float("nan")
        print(f"{row['model_name']:<40}{row['params_m']:>9,.0f}{wall:>8.0f}{row['ttft_s'] or 0:>8.2f}{decode:>8.2f}"
              f"{roofline:>10.2f}{decode / roofline:>7.0%}{row['model_memory_mb'] or 0:>10,.0f}  "
              f"({job.bandwidth_gb_s:.1f} GB/s)")  # fmt: skip
    print(f"whole ladder: {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-estimate", action="store_true")
    parser.add_argument("--skip-twin", action="store_true")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=64)
    args = parser.parse_args()
    if not args.skip_estimate:
        estimate_against_measurement()
    if not args.skip_twin:
        twin(args.pairs, args.tokens)
    if not args.skip_sweep:
        sweep(args.tokens)


if __name__ == "__main__":
    main()
