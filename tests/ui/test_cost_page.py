"""The Cost page under AppTest, with the embedded models measured for real."""

from __future__ import annotations

import pytest

from inference_core.history.store import RunStore
from tests.ui.helpers import click, page


def price_table(at):
    """The self-hosted price table (after the two editable price tables)."""
    return next(frame.value for frame in at.dataframe if {"params_m", "usd_per_1m_out"} <= set(frame.value.columns))


@pytest.mark.slow
def test_cost_page_measures_the_embedded_models_saves_them_and_shows_its_charts():
    at = page("cost")
    at.run()
    assert not at.exception
    click(at, "Measure")
    assert not at.exception
    # price vs size, answer cost, monthly, hardware and electricity per 1M tokens, and the capacity planner's
    # two curves once it knows one machine's capacity (tests/ui/test_capacity_page.py)
    assert len(at.get("vega_lite_chart")) in (4, 6)
    assert any("CodeCarbon" in caption.value for caption in at.caption)
    speeds = price_table(at)
    assert {134.5, 268.1} <= set(speeds["params_m"])
    assert (speeds["usd_per_1m_out"] > 0).all()  # never free
    counts = at.dataframe[-1].value
    assert len(counts) == 2 and counts["tokens"].min() > 100
    assert counts["tokens"].nunique() == 2  # different tokenizers, different counts
    saved = [run for run in RunStore().list_runs() if run.title == "Cost page: measured speed"]
    assert saved and saved[0].ok_lanes == 2  # the measurement is in History
    again = page("cost")
    again.run()
    assert {134.5, 268.1} <= set(price_table(again)["params_m"])  # a new session starts from History


@pytest.mark.slow
def test_choosing_another_machine_rate_changes_the_figures():
    at = page("cost")
    at.run()
    click(at, "Measure")
    before = price_table(at)["usd_per_1m_out"].tolist()
    at.selectbox(key="cost_machine").set_value("AWS c7i.2xlarge (8 vCPU)").run()
    assert at.session_state["hourly_usd"] == 0.357
    after = price_table(at)["usd_per_1m_out"].tolist()
    assert [round(b * 0.357 / 0.085, 9) for b in before] == [round(a, 9) for a in after]
    assert not at.exception
