"""Run history in SQLite: every lane saved as it finishes, export and import bundles.

One connection per operation (WAL mode, busy timeout), so threads and processes can
save at once; each lane is its own transaction, so a crash loses at most the lanes in
flight. Secrets never reach this module: it stores prompts, settings, results and the
environment, and references are scrubbed of credentials.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from inference_core.bundle import (
    BUNDLE_FORMAT,
    BUNDLE_VERSION,
    RUN_KINDS,
    BundleError,
    parse_bundle,
    result_from_record,
)
from inference_core.environment import now_iso
from inference_core.types import RunResult, RunSummary, StoredRun

__all__ = ["BUNDLE_FORMAT", "BundleError", "RunRecorder", "RunStore", "StoreError"]

SCHEMA_VERSION = 1

# Each migration takes the database from version N to N + 1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        created_at TEXT NOT NULL,
        prompt TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        meta_json TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE lanes (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        lane INTEGER NOT NULL,
        model TEXT NOT NULL,
        model_name TEXT NOT NULL,
        ok INTEGER NOT NULL,
        text TEXT NOT NULL,
        extra_json TEXT NOT NULL DEFAULT '{}',
        result_json TEXT NOT NULL,
        PRIMARY KEY (run_id, lane)
    );
    CREATE INDEX lanes_model ON lanes(model);
    CREATE INDEX runs_created ON runs(created_at);
    """,
)

_CREDENTIALS = re.compile(r"(://)[^/@\s]+@")


def data_root() -> Path:
    """``$INFERENCE_LENS_DATA``, else ``$XDG_DATA_HOME/inference-lens`` (``~/.local/share``)."""
    configured = os.environ.get("INFERENCE_LENS_DATA")
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "inference-lens"


def scrub(text: str) -> str:
    """Drop ``user:password@`` from any URL in a reference."""
    return _CREDENTIALS.sub(r"\1", text)


class StoreError(RuntimeError):
    """The history cannot be opened or asked for a run it does not have; the message is for the user."""

    for_user = True


class RunStore:
    """The run history database at ``path`` (created and migrated on first use)."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else data_root() / "runs.sqlite3"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute("PRAGMA journal_mode=WAL")
                self._migrate(db)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"the run history at {self.path} cannot be opened: {exc}") from None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA busy_timeout=30000")
            yield db
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _migrate(self, db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT version FROM schema_version").fetchone()
            version = row[0] if row else 0
            if version > SCHEMA_VERSION:
                raise RuntimeError(f"{self.path} has schema version {version}; this app knows up to {SCHEMA_VERSION}")
            for script in MIGRATIONS[version:]:
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
            if row is None:
                db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
            else:
                db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    @property
    def schema_version(self) -> int:
        with self._connect() as db:
            return db.execute("SELECT version FROM schema_version").fetchone()[0]

    # Writing -----------------------------------------------------------------------------------

    def start_run(self, kind: str, prompt: str, *, title: str = "", meta: dict[str, Any] | None = None) -> str:
        """Record a run before its lanes finish; returns its id."""
        if kind not in RUN_KINDS:
            raise ValueError(f"kind must be one of {', '.join(RUN_KINDS)}, got {kind!r}")
        run_id = uuid.uuid4().hex
        with self._transaction() as db:
            db.execute(
                "INSERT INTO runs (id, kind, created_at, prompt, title, meta_json) VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, kind, now_iso("milliseconds"), prompt, title, json.dumps(_scrub_tree(meta or {}))),
            )
        return run_id

    def save_lane(self, run_id: str, lane: int, result: RunResult, extra: dict[str, Any] | None = None) -> None:
        """Save one finished lane in its own transaction."""
        data = _scrub_tree(result.to_dict())
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO lanes (run_id, lane, model, model_name, ok, text, extra_json, result_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, lane, data["model"], data["model_name"], int(result.ok), result.text,
                 json.dumps(_scrub_tree(extra or {}), default=str), json.dumps(data, default=str)),
            )  # fmt: skip

    def delete_runs(self, run_ids: Iterable[str]) -> int:
        ids = list(run_ids)
        with self._transaction() as db:
            db.executemany("DELETE FROM lanes WHERE run_id = ?", [(i,) for i in ids])
            return sum(db.execute("DELETE FROM runs WHERE id = ?", (i,)).rowcount for i in ids)

    # Reading -----------------------------------------------------------------------------------

    def list_runs(self, *, text: str = "", models: Sequence[str] = (), limit: int = 500) -> list[RunSummary]:
        """Runs newest first; ``text`` searches prompts, titles and answers; ``models`` keeps runs using any."""
        query = (
            "SELECT r.id, r.kind, r.created_at, r.prompt, r.title, group_concat(DISTINCT l.model_name),"
            " count(l.lane), coalesce(sum(l.ok), 0) FROM runs r LEFT JOIN lanes l ON l.run_id = r.id"
        )
        where, args = [], []
        if text:
            where.append("(r.prompt LIKE ? OR r.title LIKE ? OR r.id IN (SELECT run_id FROM lanes WHERE text LIKE ?))")
            args += [f"%{text}%"] * 3
        if models:
            marks = ",".join("?" * len(models))
            where.append(f"r.id IN (SELECT run_id FROM lanes WHERE model IN ({marks}) OR model_name IN ({marks}))")
            args += [*models, *models]
        if where:
            query += " WHERE " + " AND ".join(where)
        query += " GROUP BY r.id ORDER BY r.created_at DESC, r.rowid DESC LIMIT ?"
        with self._connect() as db:
            rows = db.execute(query, [*args, limit]).fetchall()
        return [
            RunSummary(id=r[0], kind=r[1], created_at=r[2], prompt=r[3], title=r[4],
                       models=tuple(sorted((r[5] or "").split(","))) if r[5] else (), lanes=r[6], ok_lanes=r[7])
            for r in rows
        ]  # fmt: skip

    def models(self) -> list[str]:
        with self._connect() as db:
            return [r[0] for r in db.execute("SELECT DISTINCT model_name FROM lanes ORDER BY model_name")]

    def get_run(self, run_id: str) -> StoredRun | None:
        with self._connect() as db:
            run = db.execute(
                "SELECT id, kind, created_at, prompt, title, meta_json FROM runs WHERE id = ?", (run_id,)
            ).fetchone()
            if run is None:
                return None
            lanes = db.execute(
                "SELECT result_json, extra_json FROM lanes WHERE run_id = ? ORDER BY lane", (run_id,)
            ).fetchall()
        return StoredRun(
            id=run[0], kind=run[1], created_at=run[2], prompt=run[3], title=run[4], meta=json.loads(run[5]),
            results=[RunResult.from_dict(json.loads(r[0])) for r in lanes],
            extras=[json.loads(r[1]) for r in lanes],
        )  # fmt: skip

    def get_lane(self, run_id: str, lane: int) -> RunResult | None:
        with self._connect() as db:
            row = db.execute("SELECT result_json FROM lanes WHERE run_id = ? AND lane = ?", (run_id, lane)).fetchone()
        return RunResult.from_dict(json.loads(row[0])) if row else None

    # Bundles -----------------------------------------------------------------------------------

    def export_bundle(self, run_ids: Sequence[str] | None = None) -> dict[str, Any]:
        """A versioned JSON-ready bundle of the given runs (all runs when None)."""
        ids = list(run_ids) if run_ids is not None else [r.id for r in self.list_runs(limit=1_000_000)]
        runs = []
        for run_id in ids:
            run = self.get_run(run_id)
            if run is None:
                raise StoreError(f"no run {run_id[:40]!r} in the history")
            runs.append({
                "id": run.id, "kind": run.kind, "created_at": run.created_at, "prompt": run.prompt,
                "title": run.title, "meta": run.meta,
                "lanes": [{"lane": i, "result": r.to_dict(), "extra": e}
                          for i, (r, e) in enumerate(zip(run.results, run.extras, strict=True))],
            })  # fmt: skip
        exported_at = now_iso("milliseconds")
        return {"format": BUNDLE_FORMAT, "version": BUNDLE_VERSION, "exported_at": exported_at, "runs": runs}

    def import_bundle(self, raw: bytes | str) -> tuple[int, int]:
        """Validate a whole bundle, then insert it in one transaction.

        Returns (runs imported, runs already present). Raises BundleError and writes
        nothing when anything in the bundle is invalid.
        """
        runs = parse_bundle(raw)
        imported = skipped = 0
        with self._transaction() as db:
            for run in runs:
                if db.execute("SELECT 1 FROM runs WHERE id = ?", (run.id,)).fetchone():
                    skipped += 1
                    continue
                db.execute(
                    "INSERT INTO runs (id, kind, created_at, prompt, title, meta_json) VALUES (?, ?, ?, ?, ?, ?)",
                    (run.id, run.kind, run.created_at, run.prompt, run.title, json.dumps(_scrub_tree(run.meta))),
                )
                for lane in run.lanes:
                    result = result_from_record(lane.result)
                    db.execute(
                        "INSERT INTO lanes (run_id, lane, model, model_name, ok, text, extra_json, result_json)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (run.id, lane.lane, result.model, result.model_name, int(result.ok), result.text,
                         json.dumps(lane.extra), json.dumps(_scrub_tree(result.to_dict()), default=str)),
                    )  # fmt: skip
                imported += 1
        return imported, skipped


def _scrub_tree(value: Any) -> Any:
    """Credentials out of every string in a JSON-like tree."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _scrub_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_tree(v) for v in value]
    return value


class RunRecorder:
    """Saves a run's lanes as they finish (an ``on_result`` callback); never raises into the run.

    A failed save (disk full, database locked too long) is kept in ``errors`` for the caller
    to report; the other lanes keep running and keep saving.
    """

    def __init__(self, store: RunStore, kind: str, prompt: str, *, title: str = "", meta: dict[str, Any] | None = None):
        self.store = store
        self.errors: list[str] = []
        self.run_id: str | None = None
        try:
            self.run_id = store.start_run(kind, prompt, title=title, meta=meta)
        except (sqlite3.Error, OSError, ValueError) as exc:
            self.errors.append(f"the run was not saved: {exc}")

    def __call__(self, index: int, result: RunResult, extra: dict[str, Any] | None = None) -> None:
        if self.run_id is None:
            return
        try:
            self.store.save_lane(self.run_id, index, result, extra)
        except (sqlite3.Error, OSError, ValueError) as exc:
            self.errors.append(f"lane {index + 1} was not saved: {exc}")
