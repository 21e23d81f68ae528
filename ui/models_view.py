"""The Models page's catalog table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from inference_core.catalog import GEMMA3_PACKAGE
from inference_core.hub import hub_dir, is_downloaded
from inference_core.types import ModelSpec
from inference_core.weights import ModelPool, converted_dir, is_converted, locate_gguf


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


def catalog_frame(specs: list[ModelSpec], pool: ModelPool) -> pd.DataFrame:
    loaded: dict[str, float] = {}
    for model in pool.loaded():
        loaded[model.spec.key] = loaded.get(model.spec.key, 0.0) + model.weights_mb
    rows = [
        {
            "model": spec.name,
            "reference": spec.key,
            "params_m": spec.params_m,
            "license": spec.license,
            "source": spec.source,
            "context": spec.context_length,
            "on_disk_mb": on_disk_mb(spec),
            "available": "yes" if spec.available else f"no: {spec.unavailable_reason}",
            "converted": "yes" if spec.source in ("packaged", "gguf") and is_converted(spec) else "",
            "loaded_mb": loaded.get(spec.key),
        }
        for spec in specs
    ]
    return pd.DataFrame(rows)
