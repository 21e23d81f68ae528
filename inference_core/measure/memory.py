"""Memory: a peak-RSS meter, CUDA peak stats, and weight / KV-cache sizes."""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import psutil

MB = 1024 * 1024
DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2, "int8": 1}


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / MB


CLEAR_REFS, STATUS = Path("/proc/self/clear_refs"), Path("/proc/self/status")


class PeakRssSampler:
    """This process's peak RSS while inside, as a context manager: ``baseline_mb`` is the RSS on
    entry and ``peak_mb`` the highest seen until exit.

    Linux keeps each process's resident high-water mark and lets the process reset it: when no
    other sampler is inside, entry resets the mark and exit reads it (``exact``), a peak no sampling
    can miss, at no cost during the run. Otherwise (another sampler already inside, whose mark must
    stand, or a system without the mark) a thread samples every ``interval_s``. Sampling costs the
    run it measures: each wake takes the GIL from the generating thread, and at 10 ms it took 2% of
    transformers' decode speed and 3 ms of its TTFT (BENCHMARKS.md).
    """

    _inside = 0
    _guard = threading.Lock()

    def __init__(self, interval_s: float = 0.01) -> None:
        self.interval_s = interval_s
        self.baseline_mb = 0.0
        self.peak_mb = 0.0
        self.exact = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._process = psutil.Process()

    def _sample(self) -> None:
        self.peak_mb = max(self.peak_mb, self._process.memory_info().rss / MB)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def __enter__(self) -> PeakRssSampler:
        with PeakRssSampler._guard:
            alone = PeakRssSampler._inside == 0
            PeakRssSampler._inside += 1
        try:
            self.exact = alone and _reset_high_water_mark()
            self.baseline_mb = self.peak_mb = self._process.memory_info().rss / MB
            if not self.exact:
                self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)
                self._thread.start()
        except BaseException:  # no __exit__ follows: leave no sampler counted inside
            self._leave()
            raise
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
        if self.exact:
            self.peak_mb = max(self.peak_mb, _high_water_mark_mb() or 0.0)
        self._leave()

    @staticmethod
    def _leave() -> None:
        with PeakRssSampler._guard:
            PeakRssSampler._inside -= 1

    @property
    def delta_mb(self) -> float:
        return self.peak_mb - self.baseline_mb


def _reset_high_water_mark() -> bool:
    """Reset this process's resident high-water mark to its current RSS; False where Linux does not offer it."""
    try:
        CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return _high_water_mark_mb() is not None


def _high_water_mark_mb() -> float | None:
    """The resident high-water mark (``VmHWM``) in MB, or None where the kernel does not report it."""
    try:
        lines = STATUS.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / MB
    return None


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


@functools.cache
def kept_bandwidth_gb_s() -> float:
    """``memory_bandwidth_gb_s`` measured once per process, then kept (a report's passport, the tour's estimates)."""
    return memory_bandwidth_gb_s()


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
