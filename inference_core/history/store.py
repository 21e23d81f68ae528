"""The run history: every lane saved as it finishes, export and import bundles.

SQL through SQLAlchemy, on the embedded SQLite file or a shared PostgreSQL database
(``database.py`` says which). Each lane is its own short transaction, so several app sessions
and CLI processes save at once and a crash loses at most the lanes in flight. Secrets never reach
this module: it stores prompts, settings, results and the environment, and references are
scrubbed of credentials.

The schema is two tables and a version number. Migrations are a numbered list of statements
applied in one transaction under a lock (PostgreSQL: an advisory lock; SQLite: its write lock), so
an old history upgrades in place and concurrent first opens migrate once. Alembic would add an
environment, a configuration file and a versions folder for what is, so far, two additive steps;
the README says when that would change.
"""

from __future__ import annotations

import functools
import json
import os
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import URL, Connection, text
from sqlalchemy.exc import SQLAlchemyError

from inference_core.history.bundle import (
    BUNDLE_FORMAT,
    BUNDLE_VERSION,
    BundleError,
    parse_bundle,
)
from inference_core.history.database import DatabaseError, configured_url, connect, describe, plain_error, sqlite_url
from inference_core.measure import measured_on, now_iso
from inference_core.types import RUN_KINDS, LaneRecord, RunResult, RunSummary, StoredRun

__all__ = ["BUNDLE_FORMAT", "BundleError", "RunRecorder", "RunStore", "StoreError"]

SCHEMA_VERSION = 2

# Each migration takes the database from version N to N + 1; statements run in order.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            created_at TEXT NOT NULL,
            prompt TEXT NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            meta_json TEXT NOT NULL DEFAULT '{}'
        )""",
        """CREATE TABLE lanes (
            run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            lane INTEGER NOT NULL,
            model TEXT NOT NULL,
            model_name TEXT NOT NULL,
            ok INTEGER NOT NULL,
            text TEXT NOT NULL,
            extra_json TEXT NOT NULL DEFAULT '{}',
            result_json TEXT NOT NULL,
            PRIMARY KEY (run_id, lane)
        )""",
        "CREATE INDEX lanes_model ON lanes(model)",
        "CREATE INDEX runs_created ON runs(created_at)",
    ),
    (
        # Where each run was measured, so a shared history mixing machines can be filtered.
        "ALTER TABLE runs ADD COLUMN machine TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE runs ADD COLUMN deployment TEXT NOT NULL DEFAULT ''",
        "CREATE INDEX runs_machine ON runs(machine)",
    ),
)
MIGRATION_LOCK = 7_312_025  # PostgreSQL advisory lock key held while migrating

T = TypeVar("T")
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


def history_url(location: Path | str | URL | None = None, secrets: Any = None) -> URL:
    """A location as a database URL: a file path is SQLite; None is the configured database, else the
    SQLite file in the data folder."""
    if isinstance(location, URL):
        return location
    if location is None:
        try:
            configured = configured_url(secrets)
        except DatabaseError as exc:
            raise StoreError(str(exc)) from None
        return configured or sqlite_url(data_root() / "runs.sqlite3")
    return sqlite_url(Path(location))


def _plainly(method: Callable[..., T]) -> Callable[..., T]:
    """Database failures as StoreError with a plain message (no URL, no password, no SQL)."""

    @functools.wraps(method)
    def wrapper(self: RunStore, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except (SQLAlchemyError, OSError) as exc:
            raise StoreError(f"the run history ({self.where}) failed: {self._plain(exc)}") from None

    return wrapper


@functools.lru_cache(maxsize=8)
def open_store(url: URL) -> RunStore:
    """One store (one connection pool) per database in the process; a failed open is not kept."""
    return RunStore(url)


class RunStore:
    """The run history at ``location`` (created and migrated on first use)."""

    def __init__(self, location: Path | str | URL | None = None) -> None:
        self.url = history_url(location)
        self.where = describe(self.url)
        """Where the history is, safe to show (no URL, no password)."""
        self.path = Path(self.url.database) if self.url.get_backend_name() == "sqlite" else None
        try:
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._engine = connect(self.url)
            with self._writing() as db:
                self._migrate(db)
        except (OSError, SQLAlchemyError) as exc:
            raise StoreError(f"the run history ({self.where}) cannot be opened: {self._plain(exc)}") from None

    def _plain(self, exc: BaseException) -> str:
        return plain_error(exc, self.url)

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """One write transaction (SQLite: holding the write lock from its start)."""
        with self._engine.execution_options(write=True).begin() as db:
            yield db

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self._engine.connect() as db:
            yield db

    def _migrate(self, db: Connection) -> None:
        if db.dialect.name == "postgresql":
            db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        db.execute(text("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"))
        row = db.execute(text("SELECT version FROM schema_version")).fetchone()
        version = row[0] if row else 0
        if version > SCHEMA_VERSION:
            raise StoreError(f"the run history ({self.where}) has schema version {version}; this app knows up "
                             f"to {SCHEMA_VERSION}: update the app")  # fmt: skip
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                db.execute(text(statement))
        if version < 2:
            _backfill_measured_on(db)
        if row is None:
            db.execute(text("INSERT INTO schema_version (version) VALUES (:v)"), {"v": SCHEMA_VERSION})
        elif version != SCHEMA_VERSION:
            db.execute(text("UPDATE schema_version SET version = :v"), {"v": SCHEMA_VERSION})

    @property
    @_plainly
    def schema_version(self) -> int:
        with self._reading() as db:
            return db.execute(text("SELECT version FROM schema_version")).scalar_one()

    # Writing -----------------------------------------------------------------------------------

    @_plainly
    def start_run(self, kind: str, prompt: str, *, title: str = "", meta: dict[str, Any] | None = None) -> str:
        """Record a run before its lanes finish; returns its id. Where it is measured goes in ``meta``
        (``measured_on``) and in the filterable machine and deployment columns."""
        if kind not in RUN_KINDS:
            raise ValueError(f"kind must be one of {', '.join(RUN_KINDS)}, got {kind!r}")
        run_id = uuid.uuid4().hex
        where = measured_on()
        meta = {**(meta or {}), "measured_on": where}
        with self._writing() as db:
            db.execute(
                text("INSERT INTO runs (id, kind, created_at, prompt, title, meta_json, machine, deployment) "
                     "VALUES (:id, :kind, :created, :prompt, :title, :meta, :machine, :deployment)"),
                {"id": run_id, "kind": kind, "created": now_iso("milliseconds"), "prompt": prompt, "title": title,
                 "meta": json.dumps(_scrub_tree(meta)), "machine": where["machine"],
                 "deployment": where["deployment"]},
            )  # fmt: skip
        return run_id

    @_plainly
    def save_lane(self, run_id: str, lane: int, result: RunResult, extra: dict[str, Any] | None = None) -> None:
        """Save one finished lane in its own transaction (saving the same lane again replaces it)."""
        data = _scrub_tree(result.model_dump(mode="json"))
        with self._writing() as db:
            db.execute(text("DELETE FROM lanes WHERE run_id = :run AND lane = :lane"), {"run": run_id, "lane": lane})
            _insert_lane(db, run_id, lane, result, _scrub_tree(extra or {}), data)

    @_plainly
    def delete_runs(self, run_ids: Iterable[str]) -> int:
        ids = list(run_ids)
        with self._writing() as db:
            for run_id in ids:
                db.execute(text("DELETE FROM lanes WHERE run_id = :id"), {"id": run_id})
            return sum(db.execute(text("DELETE FROM runs WHERE id = :id"), {"id": i}).rowcount for i in ids)

    # Reading -----------------------------------------------------------------------------------

    @_plainly
    def list_runs(
        self, *, text: str = "", models: Sequence[str] = (), machines: Sequence[str] = (), limit: int = 500
    ) -> list[RunSummary]:
        """Runs newest first; ``text`` searches prompts, titles and answers (any case); ``models`` keeps runs
        using any of them; ``machines`` keeps runs measured on any of them."""
        where, args = _filters(text, models, machines)
        query = ("SELECT r.id, r.kind, r.created_at, r.prompt, r.title, r.machine, r.deployment FROM runs r"
                 + (" WHERE " + " AND ".join(where) if where else "")
                 + " ORDER BY r.created_at DESC, r.id DESC LIMIT :limit")  # fmt: skip
        with self._reading() as db:
            runs = db.execute(_text(query), {**args, "limit": limit}).fetchall()
            lanes = _lane_summaries(db, [r[0] for r in runs])
        summaries = []
        for run in runs:
            names, count, ok = lanes.get(run[0], (set(), 0, 0))
            summaries.append(RunSummary(id=run[0], kind=run[1], created_at=run[2], prompt=run[3], title=run[4],
                                        models=tuple(sorted(names)), lanes=count, ok_lanes=ok, machine=run[5],
                                        deployment=run[6]))  # fmt: skip
        return summaries

    @_plainly
    def models(self) -> list[str]:
        with self._reading() as db:
            return [r[0] for r in db.execute(text("SELECT DISTINCT model_name FROM lanes ORDER BY model_name"))]

    @_plainly
    def machines(self) -> list[str]:
        """Every machine the saved runs were measured on (with its deployment, when one was named)."""
        with self._reading() as db:
            return [r[0] for r in db.execute(text("SELECT DISTINCT machine FROM runs ORDER BY machine")) if r[0]]

    @_plainly
    def get_run(self, run_id: str) -> StoredRun | None:
        with self._reading() as db:
            run = db.execute(
                text("SELECT id, kind, created_at, prompt, title, meta_json FROM runs WHERE id = :id"), {"id": run_id}
            ).fetchone()
            if run is None:
                return None
            lanes = db.execute(
                text("SELECT lane, result_json, extra_json FROM lanes WHERE run_id = :id ORDER BY lane"), {"id": run_id}
            ).fetchall()
        return StoredRun(
            id=run[0], kind=run[1], created_at=run[2], prompt=run[3], title=run[4], meta=json.loads(run[5]),
            lanes=[LaneRecord(lane=r[0], result=RunResult.model_validate_json(r[1]), extra=json.loads(r[2]))
                   for r in lanes],
        )  # fmt: skip

    @_plainly
    def get_lane(self, run_id: str, lane: int) -> RunResult | None:
        with self._reading() as db:
            row = db.execute(text("SELECT result_json FROM lanes WHERE run_id = :id AND lane = :lane"),
                             {"id": run_id, "lane": lane}).fetchone()  # fmt: skip
        return RunResult.model_validate_json(row[0]) if row else None

    # Bundles -----------------------------------------------------------------------------------

    @_plainly
    def export_bundle(self, run_ids: Sequence[str] | None = None) -> dict[str, Any]:
        """A versioned JSON-ready bundle of the given runs (all runs when None)."""
        ids = list(run_ids) if run_ids is not None else [r.id for r in self.list_runs(limit=1_000_000)]
        runs = []
        for run_id in ids:
            run = self.get_run(run_id)
            if run is None:
                raise StoreError(f"no run {run_id[:40]!r} in the history")
            runs.append(run.model_dump(mode="json"))
        exported_at = now_iso("milliseconds")
        return {"format": BUNDLE_FORMAT, "version": BUNDLE_VERSION, "exported_at": exported_at, "runs": runs}

    @_plainly
    def import_bundle(self, raw: bytes | str) -> tuple[int, int]:
        """Validate a whole bundle, then insert it in one transaction.

        Returns (runs imported, runs already present). Raises BundleError and writes
        nothing when anything in the bundle is invalid.
        """
        runs = parse_bundle(raw)
        ids = [run.id for run in runs]
        if twice := sorted(run_id for run_id, count in Counter(ids).items() if count > 1):
            raise BundleError(f"run {twice[0]} appears more than once in the bundle: nothing imported")
        imported = skipped = 0
        with self._writing() as db:
            saved = {run.id: _saved_as(db, run) for run in runs}
            if conflicts := [run_id for run_id, state in saved.items() if state == "different"]:
                raise BundleError(f"a different run is already saved under the id {', '.join(conflicts[:3])}"
                                  f"{' and others' if len(conflicts) > 3 else ''}: nothing imported")  # fmt: skip
            for run in runs:
                if saved[run.id] == "same":
                    skipped += 1
                    continue
                where = run.meta.get("measured_on") if isinstance(run.meta.get("measured_on"), dict) else {}
                db.execute(
                    text("INSERT INTO runs (id, kind, created_at, prompt, title, meta_json, machine, deployment) "
                         "VALUES (:id, :kind, :created, :prompt, :title, :meta, :machine, :deployment)"),
                    {"id": run.id, "kind": run.kind, "created": run.created_at, "prompt": run.prompt,
                     "title": run.title, "meta": json.dumps(_scrub_tree(run.meta)),
                     "machine": str(where.get("machine", ""))[:300],
                     "deployment": str(where.get("deployment", ""))[:300]},
                )  # fmt: skip
                for lane in run.lanes:
                    _insert_lane(db, run.id, lane.lane, lane.result, lane.extra,
                                 _scrub_tree(lane.result.model_dump(mode="json")))  # fmt: skip
                imported += 1
        return imported, skipped


def _saved_as(db: Any, run: StoredRun) -> str:
    """What the history holds under this run's id: ``none``, the ``same`` run, or a ``different`` one (its
    kind, time, prompt or answers differ)."""
    saved = db.execute(text("SELECT kind, created_at, prompt FROM runs WHERE id = :id"), {"id": run.id}).fetchone()
    if saved is None:
        return "none"
    texts = dict(db.execute(text("SELECT lane, text FROM lanes WHERE run_id = :id"), {"id": run.id}).fetchall())
    mine = {lane.lane: lane.result.text.replace("\x00", "\ufffd") for lane in run.lanes}  # as the lanes table holds it
    same = tuple(saved) == (run.kind, run.created_at, run.prompt) and texts == mine
    return "same" if same else "different"


_text = text
"""``text`` under another name, for ``list_runs`` whose ``text`` parameter (the search) shadows it."""


def _filters(search: str, models: Sequence[str], machines: Sequence[str]) -> tuple[list[str], dict[str, Any]]:
    """WHERE clauses with named parameters; LIKE patterns escaped, matched in any case."""
    where: list[str] = []
    args: dict[str, Any] = {}
    if search:
        args["pattern"] = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        like = "LIKE :pattern ESCAPE '\\'"
        where.append(f"(lower(r.prompt) {like} OR lower(r.title) {like} OR r.id IN "
                     f"(SELECT run_id FROM lanes WHERE lower(text) {like}))")  # fmt: skip
    if models:
        names = {f"m{i}": m for i, m in enumerate(models)}
        marks = ", ".join(f":{k}" for k in names)
        where.append(f"r.id IN (SELECT run_id FROM lanes WHERE model IN ({marks}) OR model_name IN ({marks}))")
        args |= names
    if machines:
        names = {f"h{i}": m for i, m in enumerate(machines)}
        where.append(f"r.machine IN ({', '.join(f':{k}' for k in names)})")
        args |= names
    return where, args


def _lane_summaries(db: Connection, run_ids: list[str]) -> dict[str, tuple[set[str], int, int]]:
    """Per run: its model names, lanes and lanes that succeeded."""
    found: dict[str, tuple[set[str], int, int]] = {}
    for start in range(0, len(run_ids), 500):
        ids = {f"r{i}": run_id for i, run_id in enumerate(run_ids[start : start + 500])}
        if not ids:
            break
        query = f"SELECT run_id, model_name, ok FROM lanes WHERE run_id IN ({', '.join(f':{k}' for k in ids)})"
        for run_id, name, ok in db.execute(text(query), ids):
            names, count, good = found.get(run_id, (set(), 0, 0))
            names.add(name)
            found[run_id] = (names, count + 1, good + int(ok))
    return found


def _insert_lane(db: Connection, run_id: str, lane: int, result: RunResult, extra: Any, data: dict[str, Any]) -> None:
    db.execute(
        text("INSERT INTO lanes (run_id, lane, model, model_name, ok, text, extra_json, result_json) "
             "VALUES (:run, :lane, :model, :name, :ok, :text, :extra, :result)"),
        {"run": run_id, "lane": lane, "model": data["model"], "name": data["model_name"], "ok": int(result.ok),
         "text": result.text.replace("\x00", "\ufffd"),  # PostgreSQL text holds no NUL (the JSON keeps it escaped)
         "extra": json.dumps(extra, default=str), "result": json.dumps(data, default=str)},
    )  # fmt: skip


def _backfill_measured_on(db: Connection) -> None:
    """Runs saved before version 2: their machine from their first lane's recorded environment."""
    rows = db.execute(text("SELECT r.id, l.result_json FROM runs r JOIN lanes l ON l.run_id = r.id "
                           "WHERE l.lane = 0 AND r.machine = ''")).fetchall()  # fmt: skip
    for run_id, result_json in rows:
        environment = (json.loads(result_json) or {}).get("environment") or {}
        machine = measured_on(environment)["machine"] if environment else ""
        if machine:
            db.execute(text("UPDATE runs SET machine = :m WHERE id = :id"), {"m": machine, "id": run_id})


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

    A failed save (the database down, disk full) is kept in ``errors`` for the caller to report;
    the other lanes keep running and keep saving. A recorder without a store (the history could not
    be opened) saves nothing and says so once.
    """

    def __init__(self, store: RunStore | None, kind: str, prompt: str, *, title: str = "",
                 meta: dict[str, Any] | None = None, unavailable: str = "") -> None:  # fmt: skip
        self.store = store
        self.errors: list[str] = []
        self.run_id: str | None = None
        if store is None:
            self.errors.append(f"the run was not saved: {unavailable or 'no history'}")
            return
        try:
            self.run_id = store.start_run(kind, prompt, title=title, meta=meta)
        except (StoreError, ValueError) as exc:
            self.errors.append(f"the run was not saved: {exc}")

    def __call__(self, index: int, result: RunResult, extra: dict[str, Any] | None = None) -> None:
        if self.run_id is None or self.store is None:
            return
        try:
            self.store.save_lane(self.run_id, index, result, extra)
        except (StoreError, ValueError) as exc:
            self.errors.append(f"lane {index + 1} was not saved: {exc}")
