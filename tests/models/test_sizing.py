"""Memory estimates, admission control, single-flight loading and unloading, on the real models."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from inference_core.measure.memory import rss_mb
from inference_core.models.catalog import resolve_reference
from inference_core.models.sizing import AdmissionError, estimate, verdict
from inference_core.models.weights import convert_gguf, load_model
from inference_core.types import Settings

SEVEN_B = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
           "intermediate_size": 11008, "num_attention_heads": 32, "num_hidden_layers": 32,
           "num_key_value_heads": 32, "vocab_size": 32000, "max_position_embeddings": 4096}  # fmt: skip


@pytest.fixture
def seven_b(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(SEVEN_B))
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize("model", ["smollm2", "gemma3"])
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_estimate_matches_measured_resident_memory(request, model, dtype):
    """Measured in a fresh process, so earlier tests' memory does not blur the delta."""
    spec = request.getfixturevalue(model)
    convert_gguf(spec)  # a first load converts, and conversion's garbage is not the model's memory
    done = subprocess.run([sys.executable, "-m", "tests.models.measure_rss", spec.key, dtype], capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    predicted = estimate(spec, Settings(dtype=dtype), context=measured["tokens"])
    print(f"{spec.key} {dtype}: estimated {predicted.total_mb:.0f} MB, measured {measured['measured_mb']:.0f} MB")
    assert predicted.weights_mb == pytest.approx(measured["weights_mb"], rel=0.01)
    assert predicted.total_mb == pytest.approx(measured["measured_mb"], rel=0.25)


def test_a_fake_huge_model_is_refused_with_numbers_and_nothing_allocated(seven_b):
    spec = resolve_reference(f"local:{seven_b}")
    found = estimate(spec, Settings(), available_mb=8000)
    assert found.params_m == pytest.approx(6738, rel=0.01) and found.verdict == "does-not-fit"
    before = rss_mb()
    with pytest.raises(AdmissionError, match=r"would not fit.*weights 25,705 MB.*MB available"):
        load_model(spec, Settings())
    assert rss_mb() - before < 200  # the empty model lives on the meta device


@pytest.mark.slow
def test_estimate_cli_prints_json_fields_for_a_config_only_folder(seven_b):
    done = subprocess.run([sys.executable, "-m", "inference_core", "estimate", str(seven_b), "--dtype", "bfloat16",
                           "--context", "4096", "--json"], capture_output=True, text=True, timeout=120)  # fmt: skip
    data = json.loads(done.stdout)
    assert {"weights_mb", "kv_cache_mb", "total_mb", "available_mb", "verdict"} <= set(data)
    assert data["kv_cache_mb"] == pytest.approx(2 * 32 * 32 * 128 * 2 * 4096 / 2**20)
    assert data["verdict"] in ("fits", "tight", "does-not-fit")
    bad = subprocess.run([sys.executable, "-m", "inference_core", "estimate", "hf:nope"], capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert bad.returncode == 2 and "hf:ORG/NAME" in bad.stderr


def test_verdict_thresholds():
    assert verdict(700, 1000) == "fits" and verdict(850, 1000) == "tight" and verdict(950, 1000) == "does-not-fit"


def test_the_ladder_that_fits_and_the_table_of_what_fits_where(models):
    from inference_core.models.sizing import COMMUNITY_CLOUD_MB, ladder, ladder_fits

    fitting = ladder(models, Settings(dtype="bfloat16"), available_mb=6_000)
    params = [spec.params_m for spec in fitting]
    assert params == sorted(params) and fitting[0].key == "smollm2-135m-instruct"
    assert "shape:qwen2.5-1.5b-instruct" in [s.key for s in fitting]
    assert "shape:qwen2.5-7b-instruct" not in [s.key for s in fitting]  # 15 GB in bfloat16
    rows = {(row["model"], row["dtype"]): row for row in ladder_fits(models)}
    small = rows[("SmolLM2 135M Instruct (Q4_1 GGUF)", "float32")]
    assert small["community_cloud"] == "fits" and small["needs_mb"] < COMMUNITY_CLOUD_MB
    assert rows[("Qwen2.5 3B Instruct (shape only)", "bfloat16")]["community_cloud"] == "does-not-fit"


def test_a_cgroup_limit_caps_free_memory(monkeypatch):
    from inference_core.models import sizing as module

    monkeypatch.setattr(module, "cgroup_limit", lambda: (2700 * 2**20, 700 * 2**20))
    assert module.available_memory_mb() == pytest.approx(2000)


def test_parameter_counts_are_cached_by_digest_and_bounded(seven_b):
    from inference_core.models import sizing as module

    config = module.load_config(resolve_reference(f"local:{seven_b}"))
    first = module.count_parameters(config)
    assert module.count_parameters(config) == first
    assert all(len(key) == 64 for key in module._PARAMETER_COUNTS)  # a digest, never the config's text
    assert len(module._PARAMETER_COUNTS) <= module.MAX_COUNTED_CONFIGS
