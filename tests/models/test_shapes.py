"""Shape-only models: published configs, seeded random weights, pinned and labelled lanes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from inference_core.backends import BackendContext
from inference_core.measure.memory import MB, tensor_bytes
from inference_core.models.catalog import ModelReferenceError, resolve_reference
from inference_core.models.shapes import NOTICE, build_shape_model, fill_random, shape_keys, shape_specs
from inference_core.models.sizing import count_parameters, estimate, load_config
from inference_core.runs.lanes import Lane
from inference_core.runs.runner import compare
from inference_core.types import Settings

CLOUD_MB = 2700.0


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "inference_core", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("spec", shape_specs(), ids=lambda spec: spec.key)
def test_each_published_config_builds_the_model_card_parameter_count(spec):
    from transformers import AutoConfig

    assert AutoConfig.from_pretrained(spec.location).model_type in ("llama", "qwen2")
    total, _ = count_parameters(load_config(spec))
    assert total / 1e6 == pytest.approx(spec.params_m, abs=0.05)
    assert spec.weights == "random" and spec.source == "shape" and spec.available


def test_the_ladder_spans_135m_to_7b_and_shapes_are_resolved_by_reference():
    assert {"smollm2-360m-instruct", "qwen2.5-3b-instruct", "qwen2.5-7b-instruct"} <= set(shape_keys())
    spec = resolve_reference("shape:qwen2.5-0.5b-instruct")
    assert spec.name == "Qwen2.5 0.5B Instruct (shape only)"
    assert "SmolLM2 135M's tokenizer" in spec.description
    with pytest.raises(ModelReferenceError, match="unknown shape 'qwen-9000'"):
        resolve_reference("shape:qwen-9000")


@pytest.mark.slow
def test_random_weights_are_seeded_normal_and_finite_in_the_chosen_dtype():
    spec = resolve_reference("shape:smollm2-360m-instruct")
    first = build_shape_model(spec, "bfloat16", "sdpa")
    weights = first.model.layers[3].mlp.up_proj.weight
    assert weights.dtype == torch.bfloat16
    assert float(weights.detach().float().std()) == pytest.approx(0.02, rel=0.05)
    assert first.lm_head.weight is first.model.embed_tokens.weight  # tied as published
    for name, tensor in first.state_dict().items():
        values = tensor.float()
        assert torch.isfinite(values).all(), name
        tiny = torch.finfo(tensor.dtype).tiny
        assert not ((values != 0) & (values.abs() < tiny)).any(), f"{name} holds denormals"
    again = first.model.layers[3].mlp.up_proj.weight.clone()
    fill_random(first)
    assert torch.equal(first.model.layers[3].mlp.up_proj.weight, again)  # the same seed, the same weights
    assert tensor_bytes(first) / MB == pytest.approx(361.8e6 * 2 / MB, rel=0.01)


def test_admission_names_what_fits_here_and_on_a_community_cloud_app():
    big = resolve_reference("shape:qwen2.5-7b-instruct")
    assert estimate(big, Settings(), available_mb=24_000).verdict == "does-not-fit"  # 30 GB in float32
    assert estimate(big, Settings(dtype="bfloat16"), available_mb=24_000).verdict == "fits"
    small = resolve_reference("shape:qwen2.5-0.5b-instruct")
    assert estimate(small, Settings(dtype="bfloat16"), available_mb=CLOUD_MB).verdict == "fits"
    assert estimate(resolve_reference("shape:qwen2.5-1.5b-instruct"), Settings(), available_mb=CLOUD_MB).verdict == (
        "does-not-fit"
    )


@pytest.mark.slow
def test_a_shape_lane_is_pinned_labelled_and_measures_its_own_memory():
    context = BackendContext()
    lanes = [Lane("smollm2-135m-instruct", Settings(max_new_tokens=4)), Lane("shape:smollm2-360m-instruct",
             Settings(max_new_tokens=6, dtype="bfloat16"))]  # fmt: skip
    real, shape = compare("Hello", lanes, context=context)
    assert shape.ok, shape.error
    assert shape.tokens_out == 6 and shape.settings.min_new_tokens == 6  # pinned: random weights end anywhere
    assert shape.weights == "random" and real.weights == "trained"
    # Each lane's model memory is its own: the second lane's process RSS also holds the first model.
    assert shape.model_memory_mb >= shape.weights_mb > real.weights_mb * 0.9 / 2
    assert shape.peak_rss_mb > shape.model_memory_mb + real.weights_mb * 0.5
    assert real.model_memory_mb >= real.weights_mb
    assert "shape only" in NOTICE


@pytest.mark.slow
def test_cli_lists_shapes_and_runs_one_offline_with_pinned_tokens():
    listed = [json.loads(line) for line in cli("models", "--json").stdout.splitlines()]
    shapes = {row["key"]: row for row in listed if row["key"].startswith("shape:")}
    assert shapes["shape:qwen2.5-3b-instruct"]["weights"] == "random"
    assert shapes["shape:qwen2.5-3b-instruct"]["params_m"] == pytest.approx(3085.9)
    assert next(row for row in listed if row["key"] == "gemma3-270m")["weights"] == "trained"
    done = cli("compare", "--model", "shape:qwen2.5-0.5b-instruct", "--max-new-tokens", "16", "--json")
    assert done.returncode == 0, done.stderr
    lane = json.loads(done.stdout)
    assert lane["ok"] and lane["tokens_out"] == 16 and lane["weights"] == "random"
    unknown = cli("compare", "--model", "shape:qwen-9000", "--max-new-tokens", "4")
    assert unknown.returncode == 2 and len(unknown.stderr.strip().splitlines()) == 1
    assert "unknown shape" in unknown.stderr
