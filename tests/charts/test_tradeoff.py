"""The trade-off figure from a real history: two models, two output lengths, six panels."""

from __future__ import annotations

import pytest

from inference_core.charts.tradeoff import tradeoff_figure, tradeoff_frame
from inference_core.engine import Engine, Saving
from inference_core.experiments.plans import plan_sweep
from inference_core.types import MachinePrice


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Engine:
    engine = Engine(store_path=tmp_path_factory.mktemp("tradeoff") / "runs.sqlite3")
    plan = plan_sweep("output-length", ["smollm2-135m-instruct", "gemma3-270m"], lengths=[4, 8], repeats=1)
    recorder = engine.recorder(Saving("sweep", "output-length sweep", meta={"experiment": "output-length"}))
    engine.sweep(plan, price=MachinePrice(hourly_usd=0.085, utilization=0.5), on_row=recorder).run()
    return engine


def test_every_point_is_priced_by_the_machine_time_it_took(history):
    frame = tradeoff_frame(history.recent_runs(), hourly_usd=0.72, utilization=0.25)
    assert len(frame) == 4 and set(frame["tokens_out"]) == {4, 8}
    assert list(frame["usd_answer"]) == pytest.approx(list(frame["e2e_s"] * 0.72 / 3600 / 0.25))
    assert {"machine", "engine", "environment"} <= set(frame.columns)  # where each point was measured


def test_electricity_can_be_added_to_every_price(history):
    from inference_core.price.cost import Electricity

    runs = history.recent_runs()
    plain = tradeoff_frame(runs, hourly_usd=0.72, utilization=0.25)
    powered = tradeoff_frame(runs, hourly_usd=0.72, utilization=0.25, electricity=Electricity(0.2, 1.5))
    energy = [r.energy_j for run in runs for r in run.results if r.ok]
    extra = [j / 3.6e6 * 1.5 * 0.2 for j in energy]
    assert list(powered["usd_answer"] - plain["usd_answer"]) == pytest.approx(extra)
    assert (powered["usd_per_1m_out"] > plain["usd_per_1m_out"]).all()


def test_six_panels_one_colour_per_model_and_the_memory_limits(history):
    frame = tradeoff_frame(history.recent_runs(), hourly_usd=0.085, utilization=0.5)
    spec = tradeoff_figure(frame, {"Community Cloud (2,700 MB)": 2700.0}).to_dict()
    panels = [panel for row in spec["vconcat"] for panel in row["hconcat"]]
    assert len(spec["vconcat"]) == 3 and len(panels) == 6
    scales = [layer["encoding"]["color"]["scale"] for panel in panels for layer in panel["layer"]
              if "color" in layer.get("encoding", {})]  # fmt: skip
    assert all(scale == scales[0] for scale in scales)  # the same colours in every panel
    assert len(scales[0]["domain"]) == 2 and len(set(scales[0]["range"])) == 2  # one colour per model
    assert "Community Cloud (2,700 MB)" in str(spec)
    titles = str(spec)
    assert "log" in titles and "Model size (parameters, millions, log scale)" in titles
