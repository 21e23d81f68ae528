"""Comparing lanes: failures stay in their lane, modes, ordering."""

from __future__ import annotations

import pytest

from inference_core.runs.lanes import Lane
from inference_core.runs.runner import Comparison, compare
from inference_core.types import Settings, StatusEvent, TokenEvent

SMALL = Settings(max_new_tokens=6)


def test_a_bad_lane_fails_alone_while_the_others_finish(context):
    lanes = [Lane("no-such-model", SMALL), Lane("smollm2-135m-instruct", SMALL), Lane("hf:not a repo", SMALL)]
    results = compare("Say hello.", lanes, context=context)
    assert [r.ok for r in results] == [False, True, False]
    assert "unknown model" in results[0].error
    assert "hf:ORG/NAME" in results[2].error
    assert results[1].text


def test_race_mode_runs_lanes_at_once(context):
    lanes = [Lane("smollm2-135m-instruct", SMALL), Lane("smollm2-135m-instruct", SMALL.replace(dtype="bfloat16"))]
    seen: list[int] = []
    results = compare(
        "Say hello.",
        lanes,
        context=context,
        mode="race",
        on_event=lambda e: seen.append(e.lane) if isinstance(e, TokenEvent) else None,
    )
    assert all(r.ok for r in results)
    assert [r.settings.load.dtype for r in results] == ["float32", "bfloat16"]
    assert set(seen) == {0, 1}


def test_unknown_mode_is_refused(context):
    with pytest.raises(ValueError, match="mode must be one of"):
        compare("x", [Lane("smollm2-135m-instruct")], context=context, mode="fast")


def test_background_comparison_streams_events_then_none(context):
    job = Comparison("Say hi.", [Lane("smollm2-135m-instruct", SMALL)], context=context).start()
    events = []
    while (event := job.events.get(timeout=120)) is not None:
        events.append(event)
    assert job.join(5)
    assert job.results[0].ok
    assert any(isinstance(e, TokenEvent) for e in events)
    assert isinstance(events[-1], StatusEvent) and events[-1].state == "done"


def test_results_are_priced_by_finalize(context):
    from inference_core.price.pricing import default_pricer

    [result] = compare("Hi", [Lane("smollm2-135m-instruct", SMALL)], context=context, finalize=default_pricer(1.0))
    assert result.hourly_usd == 1.0 and result.utilization_pct == 50  # the engine's default utilization
    assert result.usd_per_1m_out == pytest.approx(1.0 / (result.decode_tok_per_s * 3600) * 1e6 / 0.5)
    assert result.usd_answer == pytest.approx(result.e2e_s * 1.0 / 3600 / 0.5)


def test_two_lanes_never_generate_on_one_model_at_once(context):
    """Race mode on the same loaded model: the per-model lock serialises generation."""
    spans: dict[int, list[float]] = {0: [], 1: []}

    def on_event(event):
        if isinstance(event, TokenEvent):
            spans[event.lane].append(event.t_s)

    lanes = [Lane("smollm2-135m-instruct", SMALL), Lane("smollm2-135m-instruct", SMALL)]
    results = compare("Say hello.", lanes, context=context, mode="race", on_event=on_event)
    assert results[0].text == results[1].text  # greedy on the same weights
    first, second = sorted(spans.values(), key=min)
    assert max(first) < min(second)
    # The lane that waited for the lock counts the wait in its TTFT (queue + prefill).
    waited = max(results, key=lambda r: r.ttft_s)
    assert waited.ttft_s > min(r.e2e_s for r in results)
