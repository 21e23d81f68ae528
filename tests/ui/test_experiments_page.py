"""The Experiments page under AppTest on the real SmolLM2."""

from __future__ import annotations

import re

import pytest
import streamlit as st

from tests.ui.helpers import click, linked, page, plain
from ui.resources import engine


@pytest.mark.slow
def test_tiny_output_length_sweep_shows_charts_and_the_fit():
    at = page("experiments")
    at.run()
    assert not at.exception
    at.multiselect(key="sweep_output_lengths").set_value([4, 12])
    [models] = [m for m in at.multiselect if m.label == "Models"]
    models.set_value(["smollm2-135m-instruct"])
    [repeats] = [n for n in at.number_input if n.label == "Repeats per point"]
    repeats.set_value(1).run()
    assert any("2 runs · 16 generated tokens" in plain(c.value) for c in at.caption)  # planned before Run
    click(at, "Run sweep")
    assert not at.exception
    assert any("e2e = " in plain(m.value) for m in at.markdown)
    st.cache_data.clear()  # the measured speeds are cached for 30 s; a new session reads them fresh
    again = page("experiments")  # this machine has now measured SmolLM2: the plan says how long it takes
    again.run()
    again.multiselect(key="sweep_output_lengths").set_value([4, 12])
    [models] = [m for m in again.multiselect if m.label == "Models"]
    models.set_value(["smollm2-135m-instruct"]).run()
    assert any(re.search(r"generated tokens · about \d+ s here", plain(c.value)) for c in again.caption)
    assert len(at.get("vega_lite_chart")) == 5  # time, memory, KV cache, speed, and the price of an answer
    table = at.dataframe[0].value
    assert list(table["tokens_out"]) == [4, 12]
    # each point's price is its own machine time at the rate in its row: e2e_s * hourly_usd / 3600 / utilization
    expected = table["e2e_s"] * table["hourly_usd"] / 3600 / (table["utilization_pct"] / 100)
    assert list(table["usd_answer"]) == pytest.approx(list(expected))
    assert (table["utilization_pct"] == 50).all()


def test_bad_sweep_settings_get_messages():
    at = page("experiments")
    at.run()
    [models] = [m for m in at.multiselect if m.label == "Models"]
    models.set_value([])
    click(at, "Run sweep")
    assert "at least one model" in at.warning[0].value
    [models] = [m for m in at.multiselect if m.label == "Models"]
    models.set_value(["smollm2-135m-instruct"])
    [repeats] = [n for n in at.number_input if n.label == "Repeats per point"]
    repeats.set_value(0)
    click(at, "Run sweep")
    assert "repeats must be at least 1" in at.warning[0].value
    [repeats] = [n for n in at.number_input if n.label == "Repeats per point"]
    repeats.set_value(1)
    at.multiselect(key="sweep_output_lengths").set_value([9000])
    click(at, "Run sweep")
    assert "above the context" in at.warning[0].value
    at.multiselect(key="sweep_output_lengths").set_value([16, "lots"])
    click(at, "Run sweep")
    assert "whole numbers separated by commas, got 'lots'" in at.warning[0].value
    assert not at.get("vega_lite_chart")


@pytest.mark.slow
def test_stop_keeps_the_finished_rows():
    import time

    from inference_core.backends import BackendContext
    from inference_core.experiments.job import Sweep
    from inference_core.experiments.plans import plan_sweep

    at = page("experiments")
    at.run()
    plan = plan_sweep("output-length", ["smollm2-135m-instruct"], lengths=[2, 3, 4, 5], repeats=3)
    job = Sweep(plan, BackendContext()).start()
    deadline = time.monotonic() + 120
    while len(job.rows) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    at.session_state["sweep_job"] = job  # as the page stores a running sweep
    click(at, "Stop")
    assert any("Stopped" in i.value for i in at.info)
    kept = at.dataframe[0].value
    assert 2 <= len(kept) < plan.total_runs
    assert job.join(5)


def test_the_default_sweep_is_ready_and_the_operators_cap_counts_models(monkeypatch, fresh_engine):
    at = page("experiments")
    at.run()
    assert any("30 runs · " in plain(c.value) for c in at.caption)  # 2 models x 5 lengths x 3 repeats
    assert not any("Not ready" in plain(c.value) for c in at.caption)
    monkeypatch.setenv("INFERENCE_LENS_MAX_LANES", "1")
    engine.clear()  # a server reads its operator's settings once, when it makes its engine
    capped = page("experiments")
    capped.run()
    assert any("Not ready" in plain(c.value) and "2 lanes" in plain(c.value) for c in capped.caption)


@pytest.mark.slow
def test_traffic_experiment_runs_batched_beside_one_at_a_time_and_charts_its_levels():
    at = page("experiments")
    at.run()
    at.radio(key="sweep_experiment_choice").set_value("traffic").run()
    assert not at.exception
    assert any("24 prompts" in plain(c.value) for c in at.caption)  # the prompt set's spread is stated
    at.multiselect(key="traffic_levels_concurrency").set_value([1, 2])
    at.number_input(key="traffic_requests").set_value(2)
    at.text_input(key="traffic_output").set_value("3").run()
    assert any("8 runs" in plain(c.value) for c in at.caption)  # 2 lanes x 2 levels x 2 requests
    click(at, "Run sweep")
    assert not at.exception
    levels = at.dataframe[0].value
    assert set(levels["Setting"]) == {"float32 · greedy", "float32 batched · greedy"}
    assert list(levels["Done"]) == [2, 2, 2, 2] and levels["Goodput (req/s)"].notna().all()
    assert len(at.get("vega_lite_chart")) == 5  # two latency-throughput curves, goodput, TTFT, price
    at.text_input(key="traffic_output").set_value("9-2")
    click(at, "Run sweep")
    assert "output tokens: must be N or LOW-HIGH with LOW <= HIGH" in plain(at.warning[0].value)


def test_a_tour_link_fills_the_experiment_in():
    at = linked("experiments", experiment="output-length", model="gemma3-270m", lengths="16,32")
    assert not at.exception
    assert at.radio(key="sweep_experiment_choice").value == "output-length"
    assert at.multiselect(key="sweep_output_lengths").value == [16, 32]
    assert at.multiselect(key="sweep_models").value == ["gemma3-270m"]
