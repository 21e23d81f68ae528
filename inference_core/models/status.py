"""What this machine holds of each model: bytes on disk, a converted cache, weights loaded now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from inference_core.models.catalog import GEMMA3_PACKAGE
from inference_core.models.paths import converted_dir, hub_dir, is_converted, is_downloaded, locate_gguf
from inference_core.models.weights import ModelPool
from inference_core.types import ModelSpec


@dataclass(frozen=True)
class LoadedInfo:
    """One loaded model variant, as the app shows it."""

    key: str
    name: str
    load_key: tuple[str, ...]
    weights_mb: float


@dataclass(frozen=True)
class ModelStatus:
    spec: ModelSpec
    on_disk_mb: float | None
    converted: bool
    loaded_mb: float | None


def _folder_mb(folder: Path) -> float | None:
    if not folder.is_dir():
        return None
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def on_disk_mb(spec: ModelSpec) -> float | None:
    """Bytes this model occupies here: converted weights, the GGUF, a local folder or a download."""
    if spec.source in ("packaged", "gguf"):
        if is_converted(spec):
            return _folder_mb(converted_dir(spec))
        if spec.location == GEMMA3_PACKAGE:
            return None  # its GGUF is assembled from package chunks on first use
        try:
            return locate_gguf(spec).stat().st_size / 2**20
        except OSError:
            return None
    if spec.source == "local":
        return _folder_mb(Path(spec.location))
    if spec.source == "hub" and is_downloaded(spec):
        return _folder_mb(hub_dir(spec))
    return None


def loaded_models(pool: ModelPool) -> list[LoadedInfo]:
    return [LoadedInfo(m.spec.key, m.spec.name, m.settings_key, m.weights_mb) for m in pool.loaded()]


def inventory(specs: Sequence[ModelSpec], pool: ModelPool) -> list[ModelStatus]:
    loaded: dict[str, float] = {}
    for model in loaded_models(pool):
        loaded[model.key] = loaded.get(model.key, 0.0) + model.weights_mb
    return [
        ModelStatus(
            spec, on_disk_mb(spec), spec.source in ("packaged", "gguf") and is_converted(spec), loaded.get(spec.key)
        )
        for spec in specs
    ]
