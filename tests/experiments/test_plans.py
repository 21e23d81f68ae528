"""Experiment plans: one planner per experiment, and a plain message for every bad request."""

from __future__ import annotations

import pytest

from inference_core.experiments.plans import SweepError, plan_sweep


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("output-length", []), "at least one model"),
        (("output-length", ["smollm2-135m-instruct"], {"repeats": 0}), "repeats must be between 1 and"),
        (("output-length", ["smollm2-135m-instruct"], {"lengths": [9000]}), "above the context"),
        (("settings", ["smollm2-135m-instruct", "gemma3-270m"]), "exactly one"),
        (("speed", ["smollm2-135m-instruct"]), "experiment must be one of"),
        (("model-size", ["qwen2.5-3b-instruct"]), "not available"),
    ],
)
def test_bad_sweeps_are_refused_with_a_message(args, message):
    experiment, refs, *rest = args
    with pytest.raises(SweepError, match=message):
        plan_sweep(experiment, refs, **(rest[0] if rest else {}))


def test_input_lengths_above_the_context_are_skipped_with_a_note():
    plan = plan_sweep("input-length", ["smollm2-135m-instruct"], lengths=[64, 9000], repeats=1)
    assert [p.value for p in plan.points] == [64]
    assert "9000 input tokens skipped" in plan.notes[0]


def test_traffic_levels_are_bounded_and_lanes_carry_their_own_settings():
    from inference_core.experiments.plans import TrafficOptions

    with pytest.raises(SweepError, match="whole number of at least 1"):
        plan_sweep("traffic", ["smollm2-135m-instruct"], lengths=[0, 2])
    with pytest.raises(SweepError, match="at most 64 requests at once"):
        plan_sweep("traffic", ["smollm2-135m-instruct"], lengths=[128])
    with pytest.raises(SweepError, match="request rate must be above 0"):
        plan_sweep("traffic", ["smollm2-135m-instruct"], lengths=[-1], traffic=TrafficOptions(kind="rate"))
    with pytest.raises(SweepError, match="unknown lane setting 'colour'"):
        plan_sweep("traffic", ["smollm2-135m-instruct:colour=red"])
    with pytest.raises(SweepError, match="batching=continuous applies to local models"):
        plan_sweep("traffic", ["openai:m@http://127.0.0.1:9/v1:batching=continuous"])
    plan = plan_sweep("traffic", ["smollm2-135m-instruct:batching=continuous,max_new_tokens=12"], lengths=[1, 16])
    assert [p.load.requests for p in plan.points] == [8, 32]  # twice the concurrency, at least 8
    assert plan.total_runs == 40 and plan.repeats == 1
    settings = plan.points[0].lane.settings
    assert (settings.load.batching, settings.max_new_tokens, settings.min_new_tokens) == ("continuous", 12, 12)
    assert "24 prompts" in plan.notes[0]


def test_typed_lengths_must_be_whole_numbers():
    from inference_core.experiments.plans import parse_lengths

    assert parse_lengths(["16", 64, " 128 ", ""]) == [16, 64, 128]
    with pytest.raises(SweepError, match="whole numbers separated by commas, got 'many'"):
        parse_lengths(["16", "many"])


def test_rates_may_be_fractions_but_must_be_finite():
    from inference_core.experiments.plans import parse_levels

    assert parse_levels(["0.5", "2"], whole=False) == [0.5, 2.0]
    with pytest.raises(SweepError, match="finite"):
        parse_levels(["inf"], whole=False)
    with pytest.raises(SweepError, match="whole numbers"):
        parse_levels(["0.5"])


def test_a_plan_says_what_it_will_generate_and_how_long_it_takes_at_measured_speeds():
    from inference_core.experiments.plans import estimate_plan

    plan = plan_sweep("output-length", ["smollm2-135m-instruct"], lengths=[16, 64], repeats=3)
    found = estimate_plan(plan, {"smollm2-135m-instruct": (0.1, 20.0)})
    assert found.tokens_out == 3 * (16 + 64)
    runs = 3 * (0.1 + 15 / 20) + 3 * (0.1 + 63 / 20)
    assert found.seconds == pytest.approx(runs + 0.1 + 4 / 20)  # one warm-up for the lane
    unknown = estimate_plan(plan, {})
    assert unknown.seconds is None and unknown.unmeasured == ("smollm2-135m-instruct",)


def test_a_plan_has_a_rough_time_before_anything_was_measured(models):
    from inference_core.experiments.plans import estimate_plan, rough_speeds

    plan = plan_sweep("output-length", ["smollm2-135m-instruct", "shape:smollm2-360m-instruct"], lengths=[16, 64],
                      repeats=1)  # fmt: skip
    found = estimate_plan(plan, rough_speeds(models))
    assert found.seconds is not None and 1 < found.seconds < 600 and not found.unmeasured
    ttft, decode = rough_speeds(models)["smollm2-135m-instruct"]
    assert ttft == 0.5 and decode == pytest.approx(2500 / 134.5)
