"""Hub downloads with progress and cancel; a failed or cancelled download leaves nothing behind.

Files go to a staging folder and are moved into place only when every file arrived.
Only safetensors weights, configs and tokenizer files are fetched (no pickles, no code).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from inference_core.models.paths import COMPLETE_MARKER, hub_dir, is_downloaded
from inference_core.types import ModelSpec

ALLOW_PATTERNS = ["*.json", "*.safetensors", "tokenizer*", "*.model", "*.txt", "*.jinja"]


class DownloadCancelled(Exception):
    for_user = True

    def __init__(self) -> None:
        super().__init__("download cancelled; nothing was kept")


class HubError(RuntimeError):
    """A hub failure as a message a user can act on."""

    for_user = True


def hub_error(exc: BaseException, spec: ModelSpec) -> HubError:
    """Gated, missing or private, wrong revision, offline: each its own message."""
    from huggingface_hub import errors

    repo = spec.location
    if isinstance(exc, errors.GatedRepoError):
        return HubError(f"{repo} is gated: accept its license on the hub and set HF_TOKEN, then try again")
    if isinstance(exc, errors.RevisionNotFoundError):
        return HubError(f"{repo} has no revision {spec.revision!r}")
    if isinstance(exc, errors.RepositoryNotFoundError):
        return HubError(f"{repo} was not found on the hub, or it is private (set HF_TOKEN for private models)")
    if isinstance(exc, errors.OfflineModeIsEnabled | errors.LocalEntryNotFoundError):
        return HubError(f"{repo} is not downloaded and this machine is offline (HF_HUB_OFFLINE or no network)")
    if isinstance(exc, OSError | errors.HfHubHTTPError):
        return HubError(f"downloading {repo} failed: {str(exc).splitlines()[0][:200]}")
    return HubError(f"{repo}: {type(exc).__name__}: {str(exc)[:200]}")


def download(spec: ModelSpec, progress: Any, cancel: threading.Event | None = None) -> Path:
    """The model's folder, downloading it first (progress: file, MB, MB/s) when needed."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.utils import tqdm as hub_tqdm

    target = hub_dir(spec)
    if is_downloaded(spec):
        return target
    cancel = cancel or threading.Event()
    started = time.perf_counter()

    class Progress(hub_tqdm):  # huggingface_hub reports bytes through a tqdm class
        """Counts bytes itself: a disabled bar (no terminal, CI) keeps no state of its own."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.label = kwargs.get("desc") or spec.location
            self.expected = kwargs.get("total") or 0
            self.counts_bytes = kwargs.get("unit") == "B"
            self.done = 0
            super().__init__(*args, **kwargs)

        def update(self, n: float | None = 1) -> bool | None:
            if cancel.is_set():
                raise DownloadCancelled()
            self.done += n or 0
            if self.counts_bytes and self.expected:
                speed = self.done / max(time.perf_counter() - started, 1e-6) / 1e6
                progress(f"downloading {self.label}: {self.done / 1e6:,.0f} of {self.expected / 1e6:,.0f} MB "
                         f"at {speed:.1f} MB/s", min(self.done / self.expected, 1.0) * 0.9)  # fmt: skip
            return super().update(n)

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        progress(f"downloading {spec.location}", 0.0)
        snapshot_download(spec.location, revision=spec.revision, local_dir=staging, allow_patterns=ALLOW_PATTERNS,
                          tqdm_class=Progress)  # fmt: skip
        if not list(staging.glob("*.safetensors")):
            raise HubError(f"{spec.location} has no safetensors weights (other formats are not loaded, for safety)")
        (staging / COMPLETE_MARKER).write_text(spec.location, encoding="utf-8")
        staging.chmod(0o755)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except (DownloadCancelled, HubError):
        raise
    except Exception as exc:
        raise hub_error(exc, spec) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
