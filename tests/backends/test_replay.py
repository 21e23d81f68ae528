"""Replay: a saved run re-streamed at its recorded token times, and the runs a replay cannot find."""

from __future__ import annotations

import json
import time

import pytest

from inference_core.backends import BackendContext
from inference_core.history.store import RunStore
from inference_core.runs.lanes import Lane
from inference_core.runs.runner import compare
from inference_core.types import TokenEvent


def test_round_trip_save_export_import_replay(saved_run, context, tmp_path):
    store, run_id, results = saved_run
    bundle = json.dumps(store.export_bundle([run_id]))
    fresh = RunStore(tmp_path / "fresh.sqlite3")
    assert fresh.import_bundle(bundle) == (1, 0)
    copy = fresh.get_run(run_id)
    assert [r.text for r in copy.results] == [r.text for r in results]
    assert copy.results[1].error == results[1].error and not copy.results[1].ok

    events: list[TokenEvent] = []
    replay_context = BackendContext(pool=context.pool, store_path=fresh.path)
    [replayed] = compare(
        "Name two planets.", [Lane(f"replay:{run_id}/0@1x")], context=replay_context,
        on_event=lambda e: events.append(e) if isinstance(e, TokenEvent) else None,
    )  # fmt: skip
    original = results[0]
    assert replayed.ok and replayed.backend == "replay" and "(replay)" in replayed.model_name
    assert "".join(e.text for e in events) == replayed.text == original.text
    assert len(events) == replayed.tokens_out == original.tokens_out
    for event, recorded in zip(events, original.token_times_s, strict=True):
        assert event.elapsed_s == pytest.approx(recorded, abs=0.05)  # a busy machine may wake the replay late


def test_instant_replay_and_missing_runs(saved_run, context):
    store, run_id, _ = saved_run
    replay_context = BackendContext(pool=context.pool, store_path=store.path)
    started = time.perf_counter()
    [fast] = compare("x", [Lane(f"replay:{run_id}/0@instant")], context=replay_context)
    assert fast.ok and time.perf_counter() - started < 0.5
    [missing] = compare("x", [Lane(f"replay:{'0' * 32}/0")], context=replay_context)
    assert not missing.ok and "not in the history" in missing.error
