"""The environment recorded with every figure, and the one clock for timestamps."""

from __future__ import annotations

import datetime as dt

from inference_core.measure.environment import collect_environment, now_iso


def test_the_environment_names_the_machine_and_the_libraries():
    environment = collect_environment()
    assert environment["cores"] >= 1 and environment["torch_threads"] >= 1 and environment["ram_mb"] > 0
    assert {"torch", "transformers", "streamlit"} <= set(environment["versions"])


def test_now_iso_is_utc_at_the_asked_precision():
    seconds, millis = now_iso(), now_iso("milliseconds")
    assert dt.datetime.fromisoformat(seconds).utcoffset() == dt.timedelta(0)
    assert len(millis.split("+")[0].split(".")[1]) == 3 and "." not in seconds


def test_the_passport_adds_the_measured_memory_bandwidth_and_the_engine_settings():
    from inference_core.measure.environment import passport
    from inference_core.measure.memory import kept_bandwidth_gb_s

    found = passport({"lanes": ["smollm2-135m-instruct"]})
    assert 0.1 < found["memory_bandwidth_gb_s"] < 10_000  # GB/s: the roofline's own measurement
    assert found["memory_bandwidth_gb_s"] == round(kept_bandwidth_gb_s(), 1)  # measured once per process, kept
    assert found["engine_settings"] == {"lanes": ["smollm2-135m-instruct"]} and found["cores"] >= 1
