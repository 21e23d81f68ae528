"""A sweep's own overhead: its wall time against the sum of its runs' end-to-end times.

    .venv/bin/python -m benchmarks.sweep_overhead [--lengths 16,32,64] [--repeats 3]

Prints the ratio for the counted runs alone and for the whole sweep (warm-ups, the first
model load, progress reporting and pricing included). Target: counted runs <= 1.10.
"""

from __future__ import annotations

import argparse

from inference_core.backends import BackendContext
from inference_core.experiments.job import Sweep
from inference_core.experiments.plans import plan_sweep
from inference_core.price.pricing import default_pricer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--lengths", default="16,32,64")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    lengths = [int(n) for n in args.lengths.split(",")]
    plan = plan_sweep("output-length", [args.model], lengths=lengths, repeats=args.repeats)
    sweep = Sweep(plan, BackendContext(), finalize=default_pricer())
    rows = sweep.run(lambda progress: None)
    e2e_sum = sum(row["e2e_s"] for row in rows)
    print(f"{len(rows)} counted runs of {args.model}, output lengths {lengths}, {args.repeats} repeats")
    print(f"sum of end-to-end times: {e2e_sum:.2f} s")
    print(f"counted runs' wall time: {sweep.counted_wall_s:.2f} s -> ratio {sweep.counted_wall_s / e2e_sum:.3f}")
    print(f"whole sweep (cold model load and warm-up included): {sweep.wall_s:.2f} s -> ratio "
          f"{sweep.wall_s / e2e_sum:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
