"""Operator settings (environment and secrets) and the cap on concurrent generations with a queue."""

from __future__ import annotations

import threading
import time

import pytest

from inference_core.backends import BackendContext
from inference_core.operator import (
    GenerationGate,
    OperatorError,
    OperatorSettings,
    operator_settings,
    request_problems,
)
from inference_core.runs.lanes import Lane
from inference_core.runs.runner import compare
from inference_core.types import Settings, StatusEvent


def test_defaults_keep_a_local_run_as_it_was(monkeypatch):
    for name in OperatorSettings.names():
        monkeypatch.delenv(f"INFERENCE_LENS_{name.upper()}", raising=False)
    settings = operator_settings()
    assert settings.max_concurrent_generations == 0 and not settings.allow_private_endpoints
    assert "openai" in settings.allowed_references and settings.max_lanes == 6


def test_environment_and_secrets_table_both_set_them_and_secrets_win(monkeypatch):
    monkeypatch.setenv("INFERENCE_LENS_MAX_LANES", "3")
    monkeypatch.setenv("INFERENCE_LENS_ALLOWED_REFERENCES", "catalog, replay")
    monkeypatch.setenv("INFERENCE_LENS_ALLOW_PRIVATE_ENDPOINTS", "1")
    assert operator_settings().max_lanes == 3 and operator_settings().allowed_references == ("catalog", "replay")
    assert operator_settings().allow_private_endpoints
    secrets = {"inference_lens": {"max_lanes": 2, "max_concurrent_generations": 1}}
    settings = operator_settings(secrets)
    assert settings.max_lanes == 2 and settings.max_concurrent_generations == 1


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MAX_LANES", "many", "INFERENCE_LENS_MAX_LANES"),
        ("MAX_PROMPT_CHARS", "0", "INFERENCE_LENS_MAX_PROMPT_CHARS"),
        ("ALLOWED_REFERENCES", "catalog,ftp", "INFERENCE_LENS_ALLOWED_REFERENCES"),
    ],
)
def test_a_bad_setting_is_named(monkeypatch, name, value, message):
    monkeypatch.setenv(f"INFERENCE_LENS_{name}", value)
    with pytest.raises(OperatorError, match=message):
        operator_settings()


def test_request_problems_name_each_limit():
    limits = OperatorSettings(max_prompt_chars=10, max_lanes=1, max_new_tokens=8, allowed_references=("catalog",))
    problems = request_problems(limits, "x" * 11, [("smollm2", 9), ("openai:m@https://a.example/v1", 4)], ["smollm2"])
    text = " | ".join(problems)
    assert "11 characters" in text and "2 lanes" in text and "9 new tokens" in text
    assert "lane 2: openai references are not allowed" in text
    assert request_problems(OperatorSettings(), "hi", [("smollm2", 8)], ["smollm2"]) == []


def test_the_gate_admits_first_come_first_served_and_reports_positions():
    gate = GenerationGate(capacity=1)
    never = threading.Event()
    assert gate.acquire(never, lambda p: None)
    heard: dict[str, list[int]] = {"b": [], "c": []}
    order: list[str] = []

    def wait(name: str) -> None:
        gate.acquire(never, heard[name].append)
        order.append(name)
        gate.release()

    b = threading.Thread(target=wait, args=("b",))
    b.start()
    time.sleep(0.2)
    c = threading.Thread(target=wait, args=("c",))
    c.start()
    time.sleep(0.3)
    assert gate.waiting() == 2 and heard["b"] == [1] and heard["c"] == [2]
    gate.release()
    b.join(2)
    c.join(2)
    assert order == ["b", "c"] and heard["c"][0] == 2


def test_a_stopped_lane_leaves_the_queue():
    gate = GenerationGate(capacity=1)
    stop = threading.Event()
    assert gate.acquire(threading.Event(), lambda p: None)
    threading.Timer(0.3, stop.set).start()
    assert not gate.acquire(stop, lambda p: None)
    assert gate.waiting() == 0


def test_a_capped_comparison_queues_its_lanes_and_shows_the_position(context):
    capped = BackendContext(pool=context.pool, gate=GenerationGate(capacity=1))
    events: list[StatusEvent] = []
    results = compare(
        "Hi", [Lane("smollm2-135m-instruct", Settings(max_new_tokens=4))] * 2, context=capped, mode="race",
        on_event=lambda e: events.append(e) if isinstance(e, StatusEvent) and e.state == "waiting" else None,
    )  # fmt: skip
    assert all(r.ok for r in results)
    assert [e.detail for e in events] == ["next in the queue"]
