"""The machine a figure was measured on; recorded with every run."""

from __future__ import annotations

import datetime as dt
import functools
import os
import platform
from importlib import metadata
from typing import Any

import psutil

PACKAGES = ("torch", "transformers", "accelerate", "streamlit", "gguf")


def now_iso(timespec: str = "seconds") -> str:
    """The current UTC time as ISO 8601 (``timespec="milliseconds"`` where order within a second matters)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec=timespec)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


@functools.cache
def _static_environment() -> dict[str, Any]:
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "machine": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_mb": round(psutil.virtual_memory().total / 2**20),
        "gpu": gpu,
        "versions": {name: _version(name) for name in PACKAGES},
    }


def collect_environment() -> dict[str, Any]:
    """Static facts (cached) plus the thread count in force right now."""
    import torch

    return {**_static_environment(), "torch_threads": torch.get_num_threads()}


def passport(settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """The machine a report was measured on: its environment, measured memory bandwidth and engine settings."""
    from inference_core.measure.memory import kept_bandwidth_gb_s

    return {**collect_environment(), "memory_bandwidth_gb_s": round(kept_bandwidth_gb_s(), 1),
            "engine_settings": settings or {}}  # fmt: skip


DEPLOYMENT_VARIABLE = "INFERENCE_LENS_DEPLOYMENT"


def measured_on(environment: dict[str, Any] | None = None) -> dict[str, Any]:
    """Where a run was measured, for filtering a shared history: the hardware (processor, cores,
    memory, GPU) as one label, the host, the deployment's name (``$INFERENCE_LENS_DEPLOYMENT``) and
    the engine versions. From ``environment`` (a saved run's) or this machine."""
    env = environment if environment is not None else _static_environment()
    ram_gb = round((env.get("ram_mb") or 0) / 1024)
    parts = [str(env.get("cpu") or "unknown processor"), f"{env.get('cores') or '?'} cores", f"{ram_gb} GB"]
    if env.get("gpu"):
        parts.append(str(env["gpu"]))
    return {
        "machine": " · ".join(parts),
        "host": str(env.get("machine") or ""),
        "deployment": os.environ.get(DEPLOYMENT_VARIABLE, "").strip()[:100] if environment is None else "",
        "versions": dict(env.get("versions") or {}),
    }
