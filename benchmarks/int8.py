"""int8 weights on the CPU: ``torch.ao.quantization.quantize_dynamic`` (deprecated) against its maintained
successor, torchao's ``Int8DynamicActivationInt8WeightConfig``, both eager (as the app runs), side by side.

SmolLM2 135M from the converted cache, pinned output length, rounds alternating the two; prints the
decode tokens/s of each (median) and their ratio. Needs torchao (``pip install torchao``; not a
dependency of the app, which keeps torch.ao while it is the faster one here).

    .venv/bin/python -m benchmarks.int8 [--rounds 3] [--tokens 64]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import warnings

import torch

from benchmarks.overhead import PROMPT, raw_decode_tok_per_s
from inference_core.backends import BackendContext
from inference_core.backends.transformers_backend import prompt_ids
from inference_core.models.catalog import resolve_reference
from inference_core.types import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=64)
    args = parser.parse_args()
    from torchao.quantization import Int8DynamicActivationInt8WeightConfig, quantize_

    spec = resolve_reference("smollm2-135m-instruct")
    settings = Settings(max_new_tokens=args.tokens, min_new_tokens=args.tokens)
    loaded = BackendContext().pool.get(spec, settings)
    ids = prompt_ids(loaded.tokenizer, PROMPT, spec.chat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ao = copy.copy(loaded)
        ao.model = torch.ao.quantization.quantize_dynamic(copy.deepcopy(loaded.model), {torch.nn.Linear},
                                                          dtype=torch.qint8)  # fmt: skip
        torchao = copy.copy(loaded)
        torchao.model = copy.deepcopy(loaded.model)
        quantize_(torchao.model, Int8DynamicActivationInt8WeightConfig())
    rates: dict[str, list[float]] = {"float32": [], "torch.ao quantize_dynamic": [], "torchao int8": []}
    variants = {"float32": loaded, "torch.ao quantize_dynamic": ao, "torchao int8": torchao}
    for variant in variants.values():
        raw_decode_tok_per_s(variant, ids, settings.replace(max_new_tokens=4, min_new_tokens=4))  # warm-up
    for _ in range(args.rounds):
        for name, variant in variants.items():
            rates[name].append(raw_decode_tok_per_s(variant, ids, settings))
    print(f"{spec.name}, {args.tokens} pinned tokens, {torch.get_num_threads()} threads, {args.rounds} rounds")
    for name, values in rates.items():
        print(f"  {name:28} {statistics.median(values):6.1f} tok/s  ({', '.join(f'{v:.1f}' for v in values)})")
    ratio = statistics.median(rates["torchao int8"]) / statistics.median(rates["torch.ao quantize_dynamic"])
    print(f"torchao / torch.ao: {ratio:.2f}")


if __name__ == "__main__":
    main()
