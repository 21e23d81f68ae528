"""Energy per run: the RAPL reader on a counter tree built here (wrap-around included), CodeCarbon's
estimate on hand-made inputs, and the figure every real local run carries."""

from __future__ import annotations

from pathlib import Path

import pytest

from inference_core.measure.energy import (
    cpu_power_table,
    electricity_usd,
    estimated_joules,
    processor_tdp,
    rapl_counters,
    rapl_joules,
)


def _domain(root: Path, name: str, energy_uj: int, max_uj: int) -> None:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "energy_uj").write_text(f"{energy_uj}\n")
    (folder / "max_energy_range_uj").write_text(f"{max_uj}\n")


def test_rapl_reads_packages_and_unwraps_a_counter_that_wrapped(tmp_path):
    _domain(tmp_path, "intel-rapl:0", 1_000_000, 262_143_328_850)
    _domain(tmp_path, "intel-rapl:1", 262_143_000_000, 262_143_328_850)  # about to wrap
    _domain(tmp_path, "intel-rapl:0:0", 5, 100)  # a sub-domain (cores): inside its package's count
    before = rapl_counters(tmp_path)
    assert [c.name for c in before] == ["intel-rapl:0", "intel-rapl:1"]
    _domain(tmp_path, "intel-rapl:0", 3_500_000, 262_143_328_850)  # +2.5 J
    _domain(tmp_path, "intel-rapl:1", 671_150, 262_143_328_850)  # wrapped: +328,850 + 671,150 uJ = +1 J
    assert rapl_joules(before, rapl_counters(tmp_path)) == pytest.approx(3.5)


def test_an_unreadable_counter_tree_is_no_counter(tmp_path):
    (tmp_path / "intel-rapl:0").mkdir()
    (tmp_path / "intel-rapl:0" / "energy_uj").write_text("not a number")
    assert rapl_counters(tmp_path) == [] and rapl_counters(tmp_path / "missing") == []


def test_codecarbons_estimate_on_hand_made_inputs():
    # TDP x CPU seconds / logical cores: a 100 W processor kept 2 of 4 cores busy for 3 s
    assert estimated_joules(100.0, cpu_seconds=6.0, cores=4) == pytest.approx(150.0)
    assert estimated_joules(100.0, cpu_seconds=-1.0, cores=4) == 0.0
    # 3.6 MJ = 1 kWh, times PUE 1.5 at $0.20/kWh
    assert electricity_usd(3.6e6, usd_per_kwh=0.2, pue=1.5) == pytest.approx(0.3)
    assert electricity_usd(None, 0.2, 1.5) is None


def test_processor_power_comes_from_codecarbons_table_never_our_own_number():
    table = cpu_power_table()
    assert len(table) > 1000  # CodeCarbon's own file, read where the package installed it
    name = "Intel Xeon Gold 6130"
    expected = (table[name], f"{name} at {table[name]:g} W TDP in CodeCarbon's table")
    assert processor_tdp("Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz") == expected  # the brand string /proc shows
    from codecarbon.external.hardware import POWER_CONSTANT

    watts, source = processor_tdp("Imaginary Processor 9000")
    assert watts == POWER_CONSTANT and "not in its table" in source


def test_every_local_run_carries_its_energy_and_how_it_was_obtained(context):
    from inference_core.runs.lanes import Lane
    from inference_core.runs.runner import compare
    from inference_core.types import Settings

    [run] = compare("Name a fruit.", [Lane("smollm2-135m-instruct", Settings(max_new_tokens=6))], context=context)
    assert run.ok and run.energy_j > 0
    assert run.energy_method.startswith(("measured: rapl", "estimated: CodeCarbon's process method"))
    assert "energy_j" in run.model_dump(mode="json") and "energy_method" in run.model_dump(mode="json")
