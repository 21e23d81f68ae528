"""The Cost page's capacity planner and electricity, on a real short traffic run of SmolLM2."""

from __future__ import annotations

import pytest

from tests.ui.helpers import click, page, plain


@pytest.mark.slow
def test_the_planner_offers_a_traffic_run_then_plans_from_its_goodput(monkeypatch, tmp_path):
    import streamlit as st

    from inference_core.engine import Engine, Saving
    from inference_core.runs.lanes import Lane
    from inference_core.types import Settings

    monkeypatch.setenv("INFERENCE_LENS_DATA", str(tmp_path))  # a history of this test's own
    st.cache_data.clear()
    engine = Engine()
    recorder = engine.recorder(Saving("compare", "Name a fruit."))
    engine.compare("Name a fruit.", [Lane("smollm2-135m-instruct", Settings(max_new_tokens=8))], on_result=recorder)

    at = page("cost")
    at.run(timeout=120)
    assert not at.exception
    at.selectbox(key="capacity_model").set_value("smollm2-135m-instruct").run(timeout=120)
    assert any("No saved traffic run of smollm2-135m-instruct" in plain(i.value) for i in at.info)
    assert any("assumed until a traffic run exists" in plain(c.value) for c in at.caption)
    energy = [c.value for c in at.caption if "CodeCarbon" in c.value]
    assert energy, "the electricity section says how energy was estimated"
    click(at, "Run a short traffic measurement", timeout=600)
    assert not at.exception
    st.cache_data.clear()
    at.run(timeout=120)
    caption = " ".join(plain(c.value) for c in at.caption)
    assert "traffic run" in caption and "goodput" in caption and "assumed" not in caption
    [machines] = [m for m in at.metric if m.label == "Machines"]
    assert machines.value.replace(",", "").isdigit() and int(machines.value.replace(",", "")) >= 1
    at.number_input(key="capacity_users").set_value(0).run(timeout=120)
    [machines] = [m for m in at.metric if m.label == "Machines"]
    assert machines.value == "0"  # an audience of zero needs no machine
