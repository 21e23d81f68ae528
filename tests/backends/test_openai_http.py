"""The OpenAI-compatible backend: a real transformers server, every fault, URL safety, keys."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time

import pytest

from inference_core.backends import BackendContext, HttpLimits, create_backend
from inference_core.experiments.traffic import Load, run_level
from inference_core.history.store import RunRecorder, RunStore
from inference_core.models.catalog import resolve_reference
from inference_core.models.endpoints import Endpoint, EndpointError, KeyRing, Secret, check_base_url
from inference_core.runs.lanes import Lane
from inference_core.runs.runner import compare
from inference_core.types import GenerationRequest, Settings, TokenEvent
from tests.backends.fault_server import FaultHandler, closed_port

GREEDY = Settings(max_new_tokens=16)
LIMITS = HttpLimits(connect_s=1, read_s=1, deadline_s=3, retries=1)


def http_context(context, **changes) -> BackendContext:
    return BackendContext(pool=context.pool, allow_private_endpoints=True, http=changes.pop("http", LIMITS), **changes)


@pytest.mark.slow
def test_streams_from_a_real_transformers_server_like_the_local_backend(context, served_smollm2):
    prompt = "What is the capital of France?"
    events: list[TokenEvent] = []
    served, local = compare(
        prompt, [Lane(served_smollm2, GREEDY), Lane("smollm2-135m-instruct", GREEDY)],
        context=http_context(context, http=HttpLimits()),
        on_event=lambda e: events.append(e) if isinstance(e, TokenEvent) and e.lane == 0 else None,
    )  # fmt: skip
    assert served.ok, served.error
    assert served.text.strip() and served.text == local.text
    assert served.token_count_source == "server usage"
    assert served.tokens_out == local.tokens_out  # the server's count matches the local token ids
    assert served.tokens_in == local.tokens_in
    assert served.ttft_s > 0 and served.tpot_s > 0
    assert "".join(e.text for e in events) == served.text
    assert len(served.tokens_per_chunk) == len(events)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "message", "kept"),
    [
        ("silent", "sent nothing for 1 s", ""),
        ("trickle", "total deadline of 3 s", ""),
        ("malformed", "malformed event", "Hi"),
        ("error-object", "model overloaded", "Hi"),
        ("no-done", "ended early", "Hi there"),
        ("close-mid", "ended early|broke mid-stream", "Hi there"),
        ("wrong-types", "malformed event", "Hi"),
        ("bad-choices", "malformed event", "Hi"),
        ("slow", "total deadline of 3 s", "la la la"),
        ("endless", "kept streaming past 48 chunks", "la " * 48),
        (r"401", r"unauthorized \(401\)", ""),
        ("404", r"not found \(404\)", ""),
        ("429", r"rate limited \(429\)", ""),
        ("500", r"the server failed \(500\)", ""),
        ("html", "HTML page", ""),
    ],
)
def test_each_fault_fails_its_lane_alone_within_the_deadline_and_keeps_what_arrived(
    context, fault_server, fault, message, kept
):
    started = time.perf_counter()
    bad, good = compare(
        "Hi", [Lane(f"openai:m@{fault_server.url(fault)}", GREEDY), Lane(f"openai:m@{fault_server.url('ok')}", GREEDY)],
        context=http_context(context), mode="race",
    )  # fmt: skip
    assert time.perf_counter() - started < LIMITS.deadline_s + 1
    assert not bad.ok and re.search(message, bad.error), bad.error
    assert bad.text.startswith(kept) and len(bad.token_texts) == len(bad.token_times_s)
    if kept:
        assert "kept the" in bad.error and bad.ttft_s is not None
    assert good.ok and good.text == "Hello there"


def test_connection_refused_is_a_plain_message(context):
    [result] = compare("Hi", [Lane(f"openai:m@http://127.0.0.1:{closed_port()}/v1", GREEDY)],
                       context=http_context(context))  # fmt: skip
    assert not result.ok and "cannot connect" in result.error and "Traceback" not in result.error


def test_split_sse_events_are_reassembled(context, fault_server):
    [result] = compare("Hi", [Lane(f"openai:m@{fault_server.url('split')}", GREEDY)], context=http_context(context))
    assert result.ok and result.text == "Hello there"
    assert result.token_count_source.startswith("chunks")


def test_stop_closes_the_stream_at_once(context, fault_server):
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    started = time.perf_counter()
    [result] = compare("Hi", [Lane(f"openai:m@{fault_server.url('trickle')}", GREEDY)],
                       context=http_context(context, http=HttpLimits(read_s=10, deadline_s=30)), stop=stop)  # fmt: skip
    assert time.perf_counter() - started < 1.0
    assert result.ok and result.stopped


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/v1", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("http://127.0.0.1:8000/v1", "loopback"),
        ("http://localhost:11434/v1", "loopback"),
        ("http://10.1.2.3/v1", "private"),
        ("http://192.168.1.10/v1", "private"),
        ("http://169.254.169.254/latest", "link-local"),
        ("http://[::1]:8000/v1", "loopback"),
        ("http://[fe80::1]/v1", "link-local"),
        ("http://0.0.0.0:8000/v1", "unspecified"),
        ("https://user:pw@example.com/v1", "not in the URL"),
    ],
)
def test_private_and_odd_urls_are_refused_when_the_setting_is_off(url, message):
    with pytest.raises(EndpointError, match=message):
        check_base_url(url, allow_private=False)


def test_loopback_is_allowed_when_the_operator_allows_it():
    assert check_base_url("http://127.0.0.1:8000/v1/", allow_private=True).base_url == "http://127.0.0.1:8000/v1"


def test_a_hostname_resolving_to_a_private_address_is_refused():
    fake_dns = lambda *args, **kwargs: [(2, 1, 6, "", ("10.0.0.7", 443))]  # noqa: E731
    with pytest.raises(EndpointError, match="private"):
        check_base_url("https://innocent.example/v1", allow_private=False, resolve=fake_dns)


def test_a_canary_key_goes_only_to_its_endpoint_and_appears_nowhere(context, fault_server, caplog, tmp_path):
    canary = "sk-canary-7f3c9e1d"
    keyed = fault_server.url("echo-auth")
    other = fault_server.url("ok")
    ring = KeyRing([Endpoint("operator", keyed, "m", api_key=Secret(canary), operator=True)])
    store = RunStore(tmp_path / "runs.sqlite3")
    recorder = RunRecorder(store, "compare", "Hi", meta={"lanes": [keyed, other]})
    FaultHandler.seen_auth.clear()
    with caplog.at_level(logging.DEBUG):
        results = compare("Hi", [Lane(f"openai:m@{keyed}", GREEDY), Lane(f"openai:m@{other}", GREEDY),
                                 Lane(f"openai:m@{fault_server.url('401')}", GREEDY)],
                          context=http_context(context, keys=ring), on_result=recorder)  # fmt: skip
    sent = dict(FaultHandler.seen_auth)
    assert sent["echo-auth"] == f"Bearer {canary}"
    assert sent["ok"] is None and sent["401"] is None  # never sent to another endpoint
    assert canary not in caplog.text
    assert canary not in repr(ring) and canary not in str(Secret(canary)) and canary not in repr(results)
    assert all(canary not in json.dumps(r.model_dump(mode="json"), default=str) for r in results)
    assert canary not in json.dumps(store.export_bundle())
    for file in tmp_path.glob("runs.sqlite3*"):
        assert canary.encode() not in file.read_bytes()


def test_server_reported_ttft_is_kept_beside_the_client_ttft(context, fault_server):
    [result] = compare("Hi", [Lane(f"openai:m@{fault_server.url('timings')}", GREEDY)], context=http_context(context))
    assert result.ok and result.server_ttft_s == pytest.approx(0.0425)
    assert result.ttft_s > 0 and "without [DONE]" in " ".join(result.notes)


def test_endpoint_logprobs_are_kept_or_their_absence_is_said(context, fault_server, served_smollm2):
    asked = GREEDY.replace(logprobs=2)
    [openai_like] = compare(
        "Hi", [Lane(f"openai:m@{fault_server.url('logprobs')}", asked)], context=http_context(context)
    )
    assert openai_like.token_logprobs == (-0.1, -1.5)
    assert openai_like.top_logprobs[1] == ((" there", -1.5), ("<b>", -2.5))
    [served] = compare("Hi", [Lane(served_smollm2, asked)], context=http_context(context, http=HttpLimits()))
    assert served.ok and (served.token_logprobs or "returned none" in " ".join(served.notes))


def test_a_lane_retries_a_failed_try_and_a_traffic_request_does_not(context, fault_server):
    FaultHandler.seen_auth.clear()
    [lane] = compare("Hi", [Lane(f"openai:m@{fault_server.url('503')}", GREEDY)], context=http_context(context))
    assert not lane.ok and "unavailable or overloaded (503)" in lane.error
    assert [fault for fault, _ in FaultHandler.seen_auth] == ["503", "503"]  # one retry (LIMITS.retries)
    FaultHandler.seen_auth.clear()
    level = run_level(Lane(f"openai:m@{fault_server.url('503')}", GREEDY), Load("concurrency", 2, 3),
                      http_context(context))  # fmt: skip
    assert [r.result.ok for r in level.records] == [False] * 3 and "(503)" in level.records[0].result.error
    assert len(FaultHandler.seen_auth) == 3  # a load test counts failures: one try each


def test_a_server_refusing_pinned_lengths_is_asked_again_without_them_on_both_entries(context, fault_server):
    lane = Lane(f"openai:m@{fault_server.url('no-pinning')}", GREEDY.replace(min_new_tokens=16))
    [result] = compare("Hi", [lane], context=http_context(context))
    level = run_level(lane, Load("concurrency", 2, 2), http_context(context))
    for answer in (result, *(r.result for r in level.records)):
        assert answer.ok and answer.text == "Hello there", answer.error
        assert "could not be pinned" in " ".join(answer.notes)


def test_traffic_requests_stream_over_one_client_stamped_as_read_and_are_cut_at_the_time_limit(context, fault_server):
    level = run_level(Lane(f"openai:m@{fault_server.url('ok')}", GREEDY), Load("concurrency", 3, 6),
                      http_context(context))  # fmt: skip
    assert [r.result.text for r in level.records] == ["Hello there"] * 6
    started = time.perf_counter()
    slow = run_level(Lane(f"openai:m@{fault_server.url('slow')}", GREEDY),
                     Load("concurrency", 2, 2, time_limit_s=1.0), http_context(context))  # fmt: skip
    assert time.perf_counter() - started < 2.0
    for record in slow.records:  # a chunk every 0.3 s, each stamped when it arrived
        assert record.cut and record.result.ok and record.result.stopped
        assert record.result.text.startswith("la la")
        gaps = [b - a for a, b in zip(record.result.token_times_s, record.result.token_times_s[1:], strict=False)]
        assert gaps and all(0.15 < gap < 0.6 for gap in gaps), gaps


def test_a_lane_runs_from_a_thread_whose_event_loop_is_running(context, fault_server):
    backend = create_backend("openai", http_context(context))
    spec = resolve_reference(f"openai:m@{fault_server.url('ok')}")

    async def inside_a_loop():  # as under Playwright's sync API: the transport gets a loop of its own
        return backend.run(0, spec, GenerationRequest("Hi", GREEDY), lambda event: None, threading.Event())

    result = asyncio.run(inside_a_loop())
    assert result.ok and result.text == "Hello there"


def test_a_token_past_the_cap_ends_the_lane_and_keeps_what_came_before(context, fault_server):
    import dataclasses

    capped = http_context(context, http=dataclasses.replace(LIMITS, max_token_bytes=2**20, max_answer_bytes=4 * 2**20))
    [result] = compare("Hi", [Lane(f"openai:m@{fault_server.url('huge-token')}", GREEDY)], context=capped)
    assert not result.ok and result.text == "Hi"
    assert "one chunk of 10 MB, over this deployment's cap of 1 MB per token (max_token_bytes)" in result.error
    answer = http_context(context, http=dataclasses.replace(LIMITS, max_answer_bytes=7))
    [short] = compare("Hi", [Lane(f"openai:m@{fault_server.url('ok')}", GREEDY)], context=answer)
    assert short.text == "Hello" and "past this deployment's cap of 7 bytes (max_answer_bytes)" in short.error


def test_a_malformed_usage_block_is_ignored_and_the_answer_kept(context, fault_server):
    [result] = compare("Hi", [Lane(f"openai:m@{fault_server.url('bad-usage')}", GREEDY)], context=http_context(context))
    assert result.ok and result.text == "Hello there" and result.tokens_out >= 1
    assert any("usage block was malformed" in note and "lots" in note for note in result.notes)


def test_impossible_log_probabilities_are_dropped_and_the_lane_says_so(context, fault_server):
    asked = GREEDY.replace(logprobs=5)
    [result] = compare("Hi", [Lane(f"openai:m@{fault_server.url('bad-logprobs')}", asked)],
                       context=http_context(context))  # fmt: skip
    assert result.ok and result.text == "Hello there!"
    assert result.token_logprobs == (-0.5,) and [len(top) for top in result.top_logprobs] == [5]
    assert "dropped 2 impossible log-probabilities (positive or not finite) and 9,995 alternatives past the 5 " \
           "asked for" in result.notes  # fmt: skip
