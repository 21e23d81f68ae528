"""Run history: round trip with replay, concurrency, crash safety, bad bundles, secrets."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from inference_core.store import BUNDLE_FORMAT, BundleError, RunStore
from inference_core.types import RunResult, Settings


@pytest.fixture
def store(tmp_path) -> RunStore:
    return RunStore(tmp_path / "runs.sqlite3")


def test_a_valid_import_never_duplicates(saved_run, store):
    source, run_id, _ = saved_run
    bundle = json.dumps(source.export_bundle([run_id]))
    assert store.import_bundle(bundle) == (1, 0)
    assert store.import_bundle(bundle) == (0, 1)
    assert len(store.list_runs()) == 1


def test_two_threads_saving_at_once_lose_nothing(store):
    run_id = store.start_run("compare", "p")
    result = RunResult(model="m", model_name="M", settings=Settings(), ok=True, text="x")

    def save(offset: int) -> None:
        for lane in range(offset, offset + 40):
            store.save_lane(run_id, lane, result)

    threads = [threading.Thread(target=save, args=(offset,)) for offset in (0, 1000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.get_run(run_id).results) == 80


def test_history_survives_a_kill_mid_sweep(tmp_path):
    env = {**os.environ, "INFERENCE_LENS_DATA": str(tmp_path)}
    sweep = subprocess.Popen(
        [sys.executable, "-m", "inference_core", "sweep", "--experiment", "output-length", "--model",
         "smollm2-135m-instruct", "--lengths", "2,3,4,5,6,7,8,9", "--repeats", "5", "--save", "--out",
         str(tmp_path / "rows.csv")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    database = tmp_path / "runs.sqlite3"
    deadline = time.monotonic() + 180
    saved = 0
    while saved < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
        if database.exists():
            with sqlite3.connect(database, timeout=30) as db:
                saved = db.execute("SELECT count(*) FROM lanes").fetchone()[0]
    os.kill(sweep.pid, signal.SIGKILL)
    sweep.wait()
    assert saved >= 3
    store = RunStore(database)
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    [run] = store.list_runs()
    assert run.kind == "sweep" and saved <= run.lanes < 40
    rows = store.get_run(run.id)
    assert all(r.ok for r in rows.results) and rows.extras[0]["experiment"] == "output-length"


def bundle_with(**changes) -> str:
    run = {"id": "a" * 32, "kind": "compare", "created_at": "2026-01-01T00:00:00", "prompt": "p", "title": "",
           "meta": {}, "lanes": [{"lane": 0, "result": {"model": "m", "model_name": "M", "settings": {}, "ok": True,
                                                        "text": "<b>model text may hold HTML</b>"}}]}  # fmt: skip
    data = {"format": BUNDLE_FORMAT, "version": 1, "runs": [run]}
    for path, value in changes.items():
        target = data
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        target[keys[-1]] = value
    return json.dumps(data)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "not a JSON file"),
        (json.dumps({"hello": "world"}), "not an Inference Lens bundle"),
        (bundle_with(version=99), "version 99 is not supported"),
        (bundle_with(runs__0__prompt=None), r"field 'runs.0.prompt': Input should be a valid string"),
        (bundle_with(runs__0__id="../../etc"), r"field 'runs.0.id': String should match pattern"),
        (bundle_with(runs__0__lanes=[{"lane": 0, "result": {"model": "m"}}]), r"runs.0.lanes.0.result.model_name"),
        (bundle_with(runs__0__meta={"name": "<script>alert(1)</script>"}), "contains HTML"),
        (bundle_with(runs__0__lanes__0__result__model_name="<img src=x onerror=alert(1)>"), "contains HTML"),
        (b"x" * (100 * 2**20), "100 MB"),
    ],
)
def test_bad_bundles_are_refused_and_write_nothing(store, raw, message):
    before = store.export_bundle()["runs"]
    with pytest.raises(BundleError, match=message):
        store.import_bundle(raw)
    assert store.export_bundle()["runs"] == before


def test_model_text_with_html_imports_and_stays_text(store):
    assert store.import_bundle(bundle_with()) == (1, 0)
    assert store.get_run("a" * 32).results[0].text == "<b>model text may hold HTML</b>"


def test_credentials_in_references_are_never_stored(store):
    run_id = store.start_run("compare", "p", meta={"lanes": ["openai:m@https://user:canary-secret@example.com/v1"]})
    store.save_lane(run_id, 0, RunResult(model="openai:m@https://user:canary-secret@example.com/v1", model_name="m",
                                         settings=Settings(), ok=True))  # fmt: skip
    dumped = json.dumps(store.export_bundle())
    assert "canary-secret" not in dumped
    for file in store.path.parent.glob(f"{store.path.name}*"):  # the database and its WAL
        assert b"canary-secret" not in file.read_bytes()


def test_schema_is_versioned_and_a_newer_database_is_refused(store):
    assert store.schema_version == 1
    RunStore(store.path)  # reopening migrates nothing and works
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(RuntimeError, match="schema version 99"):
        RunStore(store.path)


def test_list_filters_by_text_and_model(saved_run):
    store, run_id, _ = saved_run
    assert [r.id for r in store.list_runs(text="planets")] == [run_id]
    assert store.list_runs(text="no such words") == []
    assert [r.id for r in store.list_runs(models=["smollm2-135m-instruct"])] == [run_id]
