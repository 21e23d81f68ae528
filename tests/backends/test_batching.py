"""Continuous batching on the real SmolLM2: the same greedy answers, shared steps, Stop, unloading."""

from __future__ import annotations

import threading
import time

import pytest

from inference_core.backends import BackendContext
from inference_core.measure.report import weights_label
from inference_core.runs.lanes import Lane
from inference_core.runs.runner import compare
from inference_core.types import Settings

SMOL = "smollm2-135m-instruct"
PINNED = Settings(max_new_tokens=24, min_new_tokens=24)
BATCHED = PINNED.replace(batching="continuous")


@pytest.mark.slow
def test_batched_requests_give_the_plain_greedy_answers_and_share_decode_steps(context):
    prompts = ["Write a short poem about the sea.", "Name three primary colours."]
    plain = [compare(p, [Lane(SMOL, PINNED)], context=context)[0] for p in prompts]
    batched = [None, None]

    def run(i: int) -> None:
        batched[i] = compare(prompts[i], [Lane(SMOL, BATCHED)], context=context)[0]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    for one, many in zip(plain, batched, strict=True):
        assert many.ok, many.error
        assert many.tokens_out == 24 and len(many.itl_s) == 23
        assert many.text == one.text  # greedy decoding is the same with or without batching
        assert weights_label(many) == "float32 batched"
    first, second = batched
    start = lambda r: r.request_epoch_s  # noqa: E731
    end = lambda r: r.request_epoch_s + r.e2e_s  # noqa: E731
    assert start(second) < end(first) and start(first) < end(second)  # the two answers were generated together


@pytest.mark.slow
def test_stop_ends_a_batched_request_within_a_second_and_keeps_its_tokens(context):
    stop = threading.Event()
    long = Settings(max_new_tokens=2000, min_new_tokens=2000, batching="continuous")
    result: list = []
    thread = threading.Thread(target=lambda: result.extend(compare("Count upwards.", [Lane(SMOL, long)],
                                                                   context=context, stop=stop)))  # fmt: skip
    thread.start()
    time.sleep(3)
    stopped_at = time.perf_counter()
    stop.set()
    thread.join(timeout=10)
    assert time.perf_counter() - stopped_at < 1.0
    [run] = result
    assert run.stopped and 0 < run.tokens_out < 2000 and run.text


def test_unloading_stops_the_batching_scheduler():
    context = BackendContext()
    [run] = compare("Hi", [Lane(SMOL, Settings(max_new_tokens=2, batching="continuous"))], context=context)
    assert run.ok, run.error
    [loaded] = context.pool.loaded()
    assert loaded.batcher is not None and loaded.batcher._manager.is_running()
    context.pool.unload(SMOL)
    assert not loaded.batcher._manager.is_running()


def test_batching_is_refused_where_it_cannot_apply():
    import pytest

    for bad in ({"engine": "llama.cpp"}, {"cache": "static"}, {"logprobs": 3}, {"temperature": 0.7}):
        with pytest.raises(ValueError, match="batching"):
            Settings().replace(batching="continuous", **bad)
