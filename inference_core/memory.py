"""Memory: a peak-RSS sampler, CUDA peak stats, and weight / KV-cache sizes."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

import psutil

MB = 1024 * 1024
DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2, "int8": 1}


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / MB


class PeakRssSampler:
    """Samples this process's RSS every ``interval_s`` on a daemon thread.

    Use as a context manager; ``baseline_mb`` is the RSS on entry and ``peak_mb``
    the highest sample seen until exit.
    """

    def __init__(self, interval_s: float = 0.01) -> None:
        self.interval_s = interval_s
        self.baseline_mb = 0.0
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._process = psutil.Process()

    def _sample(self) -> None:
        self.peak_mb = max(self.peak_mb, self._process.memory_info().rss / MB)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def __enter__(self) -> PeakRssSampler:
        self.baseline_mb = self.peak_mb = self._process.memory_info().rss / MB
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()

    @property
    def delta_mb(self) -> float:
        return self.peak_mb - self.baseline_mb


def tensor_bytes(model: Any) -> int:
    """Bytes held by a module's state (parameters, buffers, packed int8 weights).

    Tensors sharing storage (tied embeddings) are counted once.
    """
    seen: set[int] = set()
    total = 0

    def add(tensor: Any) -> None:
        nonlocal total
        if not hasattr(tensor, "element_size"):
            return
        if tensor.is_quantized:
            key = id(tensor)
            size = tensor.numel() * tensor.element_size()
        else:
            key = tensor.untyped_storage().data_ptr()
            size = tensor.untyped_storage().nbytes()
        if key not in seen:
            seen.add(key)
            total += size

    for value in model.state_dict().values():
        if isinstance(value, tuple):  # packed params of dynamically quantized Linear
            for item in value:
                add(item)
        else:
            add(value)
    return total


def kv_geometry(config: Any) -> tuple[int, int, int]:
    """(layers, kv_heads, head_dim) from a transformers config."""
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    layers = int(text.num_hidden_layers)
    heads = int(text.num_attention_heads)
    kv_heads = int(getattr(text, "num_key_value_heads", None) or heads)
    head_dim = int(getattr(text, "head_dim", None) or text.hidden_size // heads)
    return layers, kv_heads, head_dim


def kv_cache_bytes(config: Any, tokens: int, dtype: str) -> int:
    """2 (K and V) * layers * kv_heads * head_dim * bytes per element * tokens."""
    layers, kv_heads, head_dim = kv_geometry(config)
    return 2 * layers * kv_heads * head_dim * DTYPE_BYTES[dtype] * tokens


def cuda_peak_mb() -> float | None:
    """Peak CUDA memory allocated since the last reset, or None without CUDA."""
    import torch

    if not torch.cuda.is_available():
        return None
    return torch.cuda.max_memory_allocated() / MB


def memory_bandwidth_gb_s(repeats: int = 10) -> float:
    """Read bandwidth: a float32 matrix-vector product over a 256 MB matrix, median of ``repeats``.

    Decoding one token reads every weight once, so bandwidth / weight bytes is the
    decode-speed limit (the roofline) a model can approach on this machine."""
    import statistics
    import time

    import torch

    matrix = torch.randn(8192, 8192)
    vector = torch.randn(8192)
    torch.mv(matrix, vector)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        torch.mv(matrix, vector)
        times.append(time.perf_counter() - started)
    return matrix.numel() * 4 / statistics.median(times) / 1e9
