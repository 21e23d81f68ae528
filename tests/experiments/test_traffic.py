"""Load levels on the real SmolLM2: Poisson arrivals, bounded concurrency, request and time limits."""

from __future__ import annotations

import dataclasses
import statistics
import threading
import time

import pytest

from inference_core.backends import BackendContext
from inference_core.experiments.traffic import (
    DOCUMENT_WORDS,
    INSTRUCTIONS,
    SHORT_QUESTIONS,
    TRAFFIC_PROMPTS,
    Load,
    LoadError,
    OutputLengths,
    run_level,
)
from inference_core.operator import GenerationGate
from inference_core.runs.lanes import Lane
from inference_core.types import Settings

SMOL = "smollm2-135m-instruct"
TINY = Settings(max_new_tokens=3)


def test_poisson_arrivals_average_the_rate_and_are_seeded():
    load = Load("rate", 4.0, 2000)
    gaps = [b - a for a, b in zip(load.arrivals(), load.arrivals()[1:], strict=False)]
    assert statistics.mean(gaps) == pytest.approx(0.25, rel=0.08)
    assert statistics.stdev(gaps) == pytest.approx(0.25, rel=0.1)  # exponential: standard deviation = mean
    assert load.arrivals() == Load("rate", 4.0, 2000).arrivals() != Load("rate", 4.0, 2000, seed=1).arrivals()
    assert Load("concurrency", 4, 10).arrivals() == [0.0] * 10


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "burst", "value": 1, "requests": 1}, "load must be one of"),
        ({"kind": "concurrency", "value": 1.5, "requests": 1}, "whole number"),
        ({"kind": "concurrency", "value": 0, "requests": 1}, "whole number"),
        ({"kind": "rate", "value": 0, "requests": 1}, "above 0"),
        ({"kind": "rate", "value": 1, "requests": 0}, "between 1 and"),
        ({"kind": "rate", "value": 1, "requests": 1, "time_limit_s": 0}, "time limit"),
    ],
)
def test_bad_loads_are_refused_with_a_message(kwargs, message):
    with pytest.raises(LoadError, match=message):
        Load(**kwargs)


def test_output_lengths_are_the_lanes_a_number_or_a_seeded_range():
    import random

    assert OutputLengths.parse("").draw(32, random.Random(0)) == 32
    assert OutputLengths.parse("16").draw(32, random.Random(0)) == 16
    drawn = [OutputLengths.parse("8-12").draw(32, random.Random(i)) for i in range(50)]
    assert set(drawn) == {8, 9, 10, 11, 12}
    for bad in ("many", "12-8", "0", "1-2000000"):
        with pytest.raises(LoadError, match="output tokens"):
            OutputLengths.parse(bad)


def test_the_prompt_set_has_the_spread_it_states(smollm2_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(smollm2_dir)

    def tokens(prompt: str) -> int:
        return len(tokenizer(prompt)["input_ids"])

    assert len(TRAFFIC_PROMPTS) >= 20
    short = [tokens(p) for p in SHORT_QUESTIONS]
    middle = [tokens(p) for p in INSTRUCTIONS]
    documents = [tokens(p) for p in TRAFFIC_PROMPTS[-len(DOCUMENT_WORDS) :]]
    assert min(short) >= 4 and max(short) <= 11, short
    assert min(middle) >= 14 and max(middle) <= 36, middle
    assert min(documents) >= 100 and max(documents) <= 440, documents


def _overlap(records) -> int:
    """The most requests running at one moment."""
    edges = sorted([(r.sent_s, 1) for r in records] + [(r.done_s, -1) for r in records], key=lambda e: (e[0], e[1]))
    running = most = 0
    for _, step in edges:
        running += step
        most = max(most, running)
    return most


def test_a_concurrency_level_keeps_that_many_requests_in_flight(context):
    level = run_level(Lane(SMOL, TINY), Load("concurrency", 2, 6), context)
    assert [r.index for r in level.records] == list(range(6))
    assert [r.prompt_index for r in level.records] == list(range(6))  # the prompt set in turn
    assert all(r.result.ok and r.result.tokens_out == 3 for r in level.records)
    assert _overlap(level.records) == 2
    assert level.duration_s == pytest.approx(max(r.done_s for r in level.records), abs=0.05)


def test_a_rate_level_stops_at_its_request_count(context):
    level = run_level(Lane(SMOL, TINY), Load("rate", 50.0, 4), context)
    assert len(level.records) == 4 and all(r.result.ok for r in level.records)


@pytest.mark.slow
def test_a_rate_level_stops_at_its_time_limit_and_ends_what_is_running(context):
    started = time.perf_counter()
    slow = Settings(max_new_tokens=400)
    level = run_level(Lane(SMOL, slow), Load("rate", 1.0, 100, time_limit_s=3.0), context)
    assert time.perf_counter() - started < 10
    assert 1 <= len(level.records) < 10
    assert all(r.sent_s < 3.0 for r in level.records)
    cut = [r for r in level.records if r.cut]
    assert cut and all(r.result.stopped and r.result.tokens_out < 400 for r in cut)
    assert any(r.result.tokens_out > 0 for r in cut)  # the one generating kept its tokens; the queued had none


@pytest.mark.slow
def test_a_level_takes_one_slot_of_the_operators_queue_not_one_per_request(context):
    from inference_core.experiments.job import Sweep
    from inference_core.experiments.plans import TrafficOptions, plan_sweep

    capped = dataclasses.replace(context, gate=GenerationGate(1))
    plan = plan_sweep("traffic", [f"{SMOL}:batching=continuous"], base=TINY, lengths=[3],
                      traffic=TrafficOptions(requests=3))  # fmt: skip
    blocker = threading.Event()
    assert capped.gate.acquire(blocker, lambda _p: None)  # a visitor's generation holds the only slot
    sweep = Sweep(plan, capped)
    thread = threading.Thread(target=sweep.run)
    thread.start()
    time.sleep(3)
    assert not sweep.levels, "the level waited for the visitor's slot"
    capped.gate.release()
    thread.join(timeout=120)
    [level] = sweep.levels
    assert level["completed"] == 3
    records = sweep.frame()
    assert _overlap(list(records.itertuples())) == 3  # admitted as a whole: its requests ran together


def test_a_level_to_an_unknown_model_is_refused_before_sending_and_a_failing_one_fails_each_request(context):
    with pytest.raises(ValueError, match="unknown model 'nope/missing'"):
        run_level(Lane("nope/missing", TINY), Load("concurrency", 2, 3), BackendContext())
    too_long = Settings(max_new_tokens=9000)  # above SmolLM2's context with any prompt: each request fails alone
    level = run_level(Lane(SMOL, too_long), Load("concurrency", 2, 3), context)
    assert len(level.records) == 3 and not any(r.result.ok for r in level.records)
    assert "exceeds the context length" in level.records[0].result.error


def test_a_level_runs_from_a_thread_whose_event_loop_is_running(context):
    import asyncio
    import threading

    async def inside_a_loop():  # as under Playwright's sync API or a server's thread
        return run_level(Lane(SMOL, TINY), Load("concurrency", 1, 1), context)

    levels = []
    thread = threading.Thread(target=lambda: levels.append(asyncio.run(inside_a_loop())))
    thread.start()
    thread.join(timeout=120)
    assert levels and levels[0].records[0].result.ok
