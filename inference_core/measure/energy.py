"""Energy per run: measured from hardware counters where the machine has them, else estimated.

- ``measured: rapl``: Linux's RAPL counters (``/sys/class/powercap/intel-rapl:N/energy_uj``, the
  processor packages), read before and after the run; a counter that wrapped past
  ``max_energy_range_uj`` is unwrapped.
- ``measured: nvml``: an NVIDIA GPU's total-energy counter through NVML (``nvidia-ml-py``), added
  when the model runs on CUDA.
- ``estimated: ...``: CodeCarbon's process method: power = the processor's TDP x this process's
  CPU time / (wall time x logical cores), so energy = TDP x CPU seconds / cores. The TDP comes from
  CodeCarbon's table of processors (``codecarbon/data/hardware/cpu_power.csv``, the package's own
  file); a processor not in it gets CodeCarbon's default. Never a wattage of our own.

Concurrent lanes in one process share its CPU time, so an estimate in race mode counts the others
too; the method says so.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

POWERCAP = Path("/sys/class/powercap")
JOULES_PER_KWH = 3.6e6


@dataclass(frozen=True)
class Counter:
    """One RAPL domain: its reading in microjoules and the value it wraps at."""

    name: str
    energy_uj: int
    max_uj: int


def rapl_counters(root: Path = POWERCAP) -> list[Counter]:
    """The processor-package domains (``intel-rapl:N``, not their sub-domains); empty when unreadable."""
    counters = []
    for domain in sorted(root.glob("intel-rapl:*")):
        if domain.name.count(":") != 1:
            continue  # sub-domains (core, uncore, dram) are inside their package's count
        try:
            energy = int((domain / "energy_uj").read_text())
            limit = int((domain / "max_energy_range_uj").read_text())
        except (OSError, ValueError):
            continue
        counters.append(Counter(domain.name, energy, limit))
    return counters


def rapl_joules(before: list[Counter], after: list[Counter]) -> float:
    """Energy between two readings of the same domains, each unwrapped once if its counter wrapped."""
    total_uj = 0
    previous = {c.name: c for c in before}
    for counter in after:
        start = previous.get(counter.name)
        if start is None:
            continue
        delta = counter.energy_uj - start.energy_uj
        total_uj += delta if delta >= 0 else delta + counter.max_uj
    return total_uj / 1e6


def _codecarbon_folder() -> Path | None:
    spec = importlib.util.find_spec("codecarbon")
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else None


@functools.cache
def cpu_power_table() -> dict[str, float]:
    """CodeCarbon's processor table: model name -> TDP in watts (empty when CodeCarbon is not installed)."""
    folder = _codecarbon_folder()
    table = folder / "data" / "hardware" / "cpu_power.csv" if folder else None
    if table is None or not table.is_file():
        return {}
    found: dict[str, float] = {}
    with table.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            try:
                found[row["Name"].strip()] = float(row["TDP"])
            except (KeyError, TypeError, ValueError, AttributeError):
                continue  # a malformed row of the table (it has a few): left out
    return found


def _normalized(name: str) -> str:
    name = re.sub(r"\((R|TM|tm|r)\)|@.*$|\bCPU\b|\bProcessor\b|\d+-Core", " ", name)
    return " ".join(name.split()).lower()


@functools.cache
def processor_tdp(cpu: str) -> tuple[float, str]:
    """(TDP in watts, where it came from) for a processor's brand string."""
    table = cpu_power_table()
    if not table:
        raise LookupError("CodeCarbon's processor table is not installed (pip install codecarbon)")
    brand = _normalized(cpu)
    matches = [name for name in table if len(name) > 3 and _normalized(name) in brand]
    if matches:
        best = max(matches, key=len)
        return table[best], f"{best} at {table[best]:g} W TDP in CodeCarbon's table"
    from codecarbon.external.hardware import POWER_CONSTANT

    return float(POWER_CONSTANT), f"CodeCarbon's default {POWER_CONSTANT:g} W (this processor is not in its table)"


def estimated_joules(tdp_w: float, cpu_seconds: float, cores: int) -> float:
    """CodeCarbon's process method: TDP x CPU seconds / logical cores."""
    return tdp_w * max(cpu_seconds, 0.0) / max(cores, 1)


_RUNNING = [0]
_RUNNING_LOCK = threading.Lock()


class EnergyMeter:
    """Readings around one run; ``finish()`` gives (joules, method)."""

    def __init__(self, cpu: str, cuda: bool = False) -> None:
        with _RUNNING_LOCK:
            _RUNNING[0] += 1
            self.shared = _RUNNING[0] > 1
        self.cpu = cpu
        self.cores = psutil.cpu_count() or 1
        self.process = psutil.Process()
        self.rapl = rapl_counters()
        self.cpu_seconds = self._cpu_seconds()
        self.nvml = _nvml_millijoules() if cuda else None
        self.started = time.perf_counter()

    def _cpu_seconds(self) -> float:
        times = self.process.cpu_times()
        return times.user + times.system

    def finish(self) -> tuple[float | None, str]:
        with _RUNNING_LOCK:
            shared = self.shared or _RUNNING[0] > 1
            _RUNNING[0] -= 1
        joules, methods = 0.0, []
        if self.rapl:
            joules += rapl_joules(self.rapl, rapl_counters())
            methods.append("measured: rapl")
        else:
            try:
                tdp, source = processor_tdp(self.cpu)
            except LookupError as exc:
                return None, f"not estimated: {exc}"
            cpu_seconds = self._cpu_seconds() - self.cpu_seconds
            joules += estimated_joules(tdp, cpu_seconds, self.cores)
            shared_note = ", the process's CPU time shared with the lanes beside it" if shared else ""
            methods.append(f"estimated: CodeCarbon's process method, {source} x CPU time / {self.cores} "
                           f"cores{shared_note}")  # fmt: skip
        if self.nvml is not None:
            after = _nvml_millijoules()
            if after is not None:
                joules += (after - self.nvml) / 1000
                methods.append("measured: nvml")
        return joules, " + ".join(methods)


def _nvml_millijoules() -> float | None:
    """The first GPU's total energy since the driver loaded (mJ), or None without NVML."""
    try:
        import pynvml

        pynvml.nvmlInit()
        return float(pynvml.nvmlDeviceGetTotalEnergyConsumption(pynvml.nvmlDeviceGetHandleByIndex(0)))
    except Exception:  # no NVIDIA driver or library here
        return None


def electricity_usd(joules: float | None, usd_per_kwh: float, pue: float) -> float | None:
    """What the energy costs at the wall: kWh x PUE x price."""
    if joules is None:
        return None
    return joules / JOULES_PER_KWH * pue * usd_per_kwh
