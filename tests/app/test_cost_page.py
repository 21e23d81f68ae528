"""The Cost page under AppTest, with the embedded models measured for real."""

from __future__ import annotations

from tests.app.helpers import click, page


def test_cost_page_measures_the_embedded_models_and_shows_its_charts():
    at = page("cost")
    at.run()
    assert not at.exception
    assert "No measurements yet" in at.info[0].value
    click(at, "Measure")
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 3  # price vs size, answer cost, monthly
    speeds = at.dataframe[2].value  # after the two editable price tables
    assert sorted(speeds["params_m"]) == [134.5, 268.1]
    assert (speeds["usd_per_1m_out"] > 0).all()  # never free
    counts = at.dataframe[-1].value
    assert len(counts) == 2 and counts["tokens"].min() > 100
    assert counts["tokens"].nunique() == 2  # different tokenizers, different counts


def test_choosing_another_machine_rate_changes_the_figures():
    at = page("cost")
    at.run()
    click(at, "Measure")
    before = at.dataframe[2].value["usd_per_1m_out"].tolist()
    at.selectbox(key="cost_machine").set_value("AWS c7i.2xlarge (8 vCPU)").run()
    assert at.session_state["hourly_usd"] == 0.357
    after = at.dataframe[2].value["usd_per_1m_out"].tolist()
    assert [round(b * 0.357 / 0.085, 9) for b in before] == [round(a, 9) for a in after]
    assert not at.exception
