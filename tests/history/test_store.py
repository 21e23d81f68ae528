"""Run history on SQLite and on a real PostgreSQL (the same tests for both): round trip, concurrency
across processes, crash safety, bad bundles, secrets, migrations, moving runs between databases."""

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
from sqlalchemy import text

from inference_core.history.store import BUNDLE_FORMAT, MIGRATIONS, BundleError, RunStore, StoreError
from inference_core.types import RunResult, Settings


@pytest.fixture
def store(history_location) -> RunStore:
    return RunStore(history_location)


def _raw_rows(store: RunStore) -> str:
    """Everything the database holds, as text (what an operator with database access would see)."""
    with store._engine.connect() as db:
        rows = [db.execute(text(f"SELECT * FROM {table}")).fetchall() for table in ("runs", "lanes")]
    return repr(rows)


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


@pytest.mark.slow
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
    os.kill(sweep.pid, signal.SIGKILL)  # SQLite's crash safety (PostgreSQL's is its own)
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
                                                        "text": "<b>model text may hold HTML</b>",
                                                        "tokens_out": 8}}]}  # fmt: skip
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
        (bundle_with(runs__0__prompt=None), r"runs.0.prompt: Input should be a valid string"),
        (bundle_with(runs__0__id="../../etc"), r"runs.0.id: String should match pattern"),
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
    assert "canary-secret" not in dumped and "canary-secret" not in _raw_rows(store)
    if store.path is not None:
        for file in store.path.parent.glob(f"{store.path.name}*"):  # the database and its WAL
            assert b"canary-secret" not in file.read_bytes()


def test_schema_is_versioned_and_a_newer_database_is_refused(store):
    assert store.schema_version == 2
    RunStore(store.url)  # reopening migrates nothing and works
    with store._engine.begin() as db:
        db.execute(text("UPDATE schema_version SET version = 99"))
    with pytest.raises(StoreError, match="schema version 99; this app knows up to 2"):
        RunStore(store.url)


def test_a_version_1_history_file_upgrades_and_keeps_every_run(tmp_path, saved_run):
    source, run_id, _ = saved_run
    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as db:  # the schema as the previous release created it
        for statement in MIGRATIONS[0]:
            db.execute(statement)
        db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        db.execute("INSERT INTO schema_version VALUES (1)")
        with sqlite3.connect(source.path) as new:
            for row in new.execute("SELECT id, kind, created_at, prompt, title, meta_json FROM runs"):
                db.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)", row)
            for row in new.execute("SELECT run_id, lane, model, model_name, ok, text, extra_json, result_json "
                                   "FROM lanes"):  # fmt: skip
                db.execute("INSERT INTO lanes VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
    upgraded = RunStore(old)
    assert upgraded.schema_version == 2
    [run] = upgraded.list_runs()
    assert run.id == run_id and run.lanes == 2 and run.machine  # where it ran, from its recorded environment
    assert upgraded.get_run(run_id).results == source.get_run(run_id).results
    assert upgraded.list_runs(machines=[run.machine]) and not upgraded.list_runs(machines=["elsewhere"])


def test_a_history_saved_with_flat_settings_still_loads(tmp_path, saved_run):
    source, run_id, _ = saved_run
    store = RunStore(tmp_path / "flat.sqlite3")
    store.import_bundle(json.dumps(source.export_bundle([run_id])))
    with sqlite3.connect(store.path) as db:  # each lane's settings as the last release saved them: flat
        for lane, saved in db.execute("SELECT lane, result_json FROM lanes").fetchall():
            result = json.loads(saved)
            result["settings"] = {**result["settings"].pop("load"), **result["settings"], "decoder": "fused"}
            db.execute("UPDATE lanes SET result_json = ? WHERE lane = ?", (json.dumps(result), lane))
    loaded = store.get_run(run_id).results
    assert [r.text for r in loaded] == [r.text for r in source.get_run(run_id).results]
    assert {r.settings.load.decoder for r in loaded if r.settings.transformers} == {"fused"}


def test_bundles_move_runs_between_sqlite_and_postgresql_unchanged(saved_run, postgres):
    from sqlalchemy import make_url

    source, run_id, _ = saved_run
    shared = RunStore(make_url(postgres.fresh_database()))
    assert shared.import_bundle(json.dumps(source.export_bundle([run_id]))) == (1, 0)
    back_and_forth = shared.export_bundle([run_id])
    assert back_and_forth["runs"] == source.export_bundle([run_id])["runs"]
    assert shared.get_run(run_id).results == source.get_run(run_id).results
    [summary] = shared.list_runs()
    assert summary.machine == source.list_runs()[0].machine != ""


@pytest.mark.slow
def test_eight_processes_saving_five_comparisons_each_lose_nothing(store, saved_run, tmp_path):
    result_file = tmp_path / "result.json"
    result_file.write_text(json.dumps(saved_run[2][0].model_dump(mode="json"), default=str))  # a real lane's result
    location = store.url.render_as_string(hide_password=False) if store.path is None else str(store.path)
    command = [sys.executable, "-m", "tests.history.save_many", location]
    writers = [subprocess.Popen([*command, str(w), "5", str(result_file)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for w in range(8)]  # fmt: skip
    outputs = [writer.communicate(timeout=240) for writer in writers]
    for writer, (_, errors) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, errors[-2000:]
        assert "database is locked" not in errors
    ids = [line for out, _ in outputs for line in out.split()]
    runs = store.list_runs(limit=1000)
    assert len(ids) == len(set(ids)) == 40
    assert sorted(r.id for r in runs) == sorted(ids)  # all present, none duplicated
    assert all(r.lanes == 2 and r.ok_lanes == 2 for r in runs)


def test_list_filters_by_text_and_model(saved_run):
    store, run_id, _ = saved_run
    assert [r.id for r in store.list_runs(text="planets")] == [run_id]
    assert [r.id for r in store.list_runs(text="PLANETS")] == [run_id]  # any case
    assert store.list_runs(text="planets%") == [] and store.list_runs(text="_") == []  # LIKE characters are text
    assert store.list_runs(text="no such words") == []
    assert [r.id for r in store.list_runs(models=["smollm2-135m-instruct"])] == [run_id]
