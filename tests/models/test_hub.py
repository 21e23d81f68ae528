"""Hub downloads: one message per failure, and nothing left behind by a cancelled or failed download."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from inference_core.models.catalog import resolve_reference
from inference_core.runs.lanes import Lane
from inference_core.runs.runner import compare


def test_offline_hub_model_gets_its_own_message(monkeypatch):

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    spec = resolve_reference("hf:HuggingFaceTB/SmolLM2-360M-Instruct").replace(available=True)
    from inference_core.backends import BackendContext

    [result] = compare("Hi", [Lane(spec.key)], context=BackendContext(), models=[spec])
    assert not result.ok and "offline" in result.error


def test_hub_failures_each_get_their_own_message():
    import httpx
    from huggingface_hub import errors

    from inference_core.models.hub import hub_error

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

    import huggingface_hub

    from inference_core.models import hub

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
