"""Memory estimates, admission control, single-flight loading and unloading, on the real models."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from inference_core.catalog import resolve_reference
from inference_core.estimate import AdmissionError, estimate, verdict
from inference_core.memory import rss_mb
from inference_core.runner import Lane, compare
from inference_core.types import Settings
from inference_core.weights import ModelPool, convert_gguf, load_model

SEVEN_B = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
           "intermediate_size": 11008, "num_attention_heads": 32, "num_hidden_layers": 32,
           "num_key_value_heads": 32, "vocab_size": 32000, "max_position_embeddings": 4096}  # fmt: skip


@pytest.fixture
def seven_b(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(SEVEN_B))
    return tmp_path


@pytest.mark.parametrize("model", ["smollm2", "gemma3"])
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_estimate_matches_measured_resident_memory(request, model, dtype):
    """Measured in a fresh process, so earlier tests' memory does not blur the delta."""
    spec = request.getfixturevalue(model)
    convert_gguf(spec)  # a first load converts, and conversion's garbage is not the model's memory
    done = subprocess.run([sys.executable, "-m", "tests.core.measure_rss", spec.key, dtype], capture_output=True,
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


def test_eight_threads_asking_for_a_cold_model_convert_and_load_once(tmp_path, monkeypatch, smollm2):
    monkeypatch.setenv("INFERENCE_LENS_CACHE", str(tmp_path))
    loads: list[str] = []
    conversions: list[str] = []

    def counting_loader(spec, settings, progress, cancel=None):
        loads.append(spec.key)
        return load_model(spec, settings, lambda msg, frac: conversions.append(msg) if "converting" in msg else None)

    pool = ModelPool(counting_loader)
    got = []
    threads = [threading.Thread(target=lambda: got.append(pool.get(smollm2, Settings()))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1 and len(conversions) == 1
    assert len({id(model) for model in got}) == 1 and len(got) == 8


def test_unload_frees_the_model(smollm2):
    pool = ModelPool()
    gc.collect()
    before = rss_mb()
    weights_mb = pool.get(smollm2, Settings()).weights_mb
    loaded_rss = rss_mb()
    assert loaded_rss - before > weights_mb / 2
    assert pool.unload(smollm2.key) == 1
    gc.collect()
    assert not pool.loaded()
    assert loaded_rss - rss_mb() >= weights_mb / 2


def test_sequential_unload_after_each_lane(context, smollm2, gemma3):
    from inference_core.backends import BackendContext

    pool = ModelPool()
    lanes = [Lane(smollm2.key, Settings(max_new_tokens=3)), Lane(gemma3.key, Settings(max_new_tokens=3))]
    results = compare("Hi", lanes, context=BackendContext(pool=pool), unload_after=True)
    assert all(r.ok for r in results)
    assert pool.loaded() == []


def test_offline_hub_model_gets_its_own_message(monkeypatch):
    import dataclasses

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    spec = dataclasses.replace(resolve_reference("hf:HuggingFaceTB/SmolLM2-360M-Instruct"), available=True)
    from inference_core.backends import BackendContext

    [result] = compare("Hi", [Lane(spec.key)], context=BackendContext(), models=[spec])
    assert not result.ok and "offline" in result.error


def test_hub_failures_each_get_their_own_message():
    import httpx
    from huggingface_hub import errors

    from inference_core.hub import hub_error

    spec = resolve_reference("hf:org/model@v2")
    response = httpx.Response(401, request=httpx.Request("GET", "https://huggingface.co/org/model"))
    cases = {
        "gated": errors.GatedRepoError("gated", response=response),
        "not found on the hub, or it is private": errors.RepositoryNotFoundError("missing", response=response),
        "no revision 'v2'": errors.RevisionNotFoundError("revision", response=response),
        "offline": errors.OfflineModeIsEnabled("offline"),
    }
    for expected, exc in cases.items():
        assert expected in str(hub_error(exc, spec))


def test_a_cancelled_or_failed_download_leaves_nothing_behind(tmp_path, monkeypatch):
    """The hub library's transfer is replaced by one that writes part of a file and reports progress;
    everything around it (staging, progress, cancel, clean-up) is the real code."""
    import threading

    import huggingface_hub

    from inference_core import hub

    monkeypatch.setenv("INFERENCE_LENS_CACHE", str(tmp_path))
    spec = resolve_reference("hf:org/model")
    cancel = threading.Event()
    messages: list[str] = []

    def partial_transfer(repo_id, *, local_dir, tqdm_class, **kwargs):
        (Path(local_dir) / "model.safetensors").write_bytes(b"x" * 1000)
        bar = tqdm_class(total=4000, unit="B", desc="model.safetensors")
        bar.update(1000)
        cancel.set()
        bar.update(1000)  # the user pressed Stop

    monkeypatch.setattr(huggingface_hub, "snapshot_download", partial_transfer)
    with pytest.raises(hub.DownloadCancelled):
        hub.download(spec, lambda msg, frac: messages.append(msg), cancel)
    assert any(m.startswith("downloading model.safetensors: ") and "MB/s" in m for m in messages)
    assert not hub.is_downloaded(spec)
    assert list((tmp_path / "hub").iterdir()) == []  # no staging folder, no half-written model

    def failing_transfer(repo_id, *, local_dir, tqdm_class, **kwargs):
        (Path(local_dir) / "model.safetensors").write_bytes(b"x")
        raise OSError("connection reset by peer")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", failing_transfer)
    with pytest.raises(hub.HubError, match="downloading org/model failed"):
        hub.download(spec, lambda msg, frac: None)
    assert list((tmp_path / "hub").iterdir()) == []
