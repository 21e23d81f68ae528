"""Run in a fresh process: resident memory a model adds when loaded and run once (JSON on stdout).

python -m tests.models.measure_rss MODEL DTYPE
"""

from __future__ import annotations

import gc
import json
import sys

import torch  # noqa: F401 - imported before measuring: libraries are not the model's memory
import transformers  # noqa: F401

from inference_core.backends import BackendContext
from inference_core.measure.memory import rss_mb
from inference_core.runs.lanes import Lane
from inference_core.runs.runner import compare
from inference_core.types import Settings

if __name__ == "__main__":
    model, dtype = sys.argv[1], sys.argv[2]
    gc.collect()
    before = rss_mb()
    [result] = compare("Hi", [Lane(model, Settings(dtype=dtype, max_new_tokens=16))], context=BackendContext())
    print(json.dumps({"measured_mb": result.peak_rss_mb - before, "weights_mb": result.weights_mb,
                      "tokens": result.tokens_in + result.tokens_out}))  # fmt: skip
