"""Where the run history lives, and how to talk to it: an embedded SQLite file or a shared database.

The URL comes from ``INFERENCE_LENS_DATABASE_URL``, else from the app's Streamlit secrets under
``[connections.history]`` (Streamlit's own ``st.connection("history", type="sql")`` convention: a
``url``, or ``dialect``, ``host``, ``port``, ``database``, ``username``, ``password``), else the
SQLite file ``runs.sqlite3`` in ``$INFERENCE_LENS_DATA``. PostgreSQL is the shared database this is
built and tested for. The URL and its password never leave this module: pages, logs, errors and
exports see ``describe(url)`` and ``plain_error(exc, url)``, which carry neither.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError

DATABASE_URL_VARIABLE = "INFERENCE_LENS_DATABASE_URL"
SUPPORTED = ("sqlite", "postgresql")


class DatabaseError(RuntimeError):
    """The history database is misconfigured or unreachable; the message is for the user (no URL, no password)."""

    for_user = True


def configured_url(secrets: Mapping[str, Any] | None = None) -> URL | None:
    """The shared database's URL, when a deployment set one (environment first, then secrets)."""
    raw = os.environ.get(DATABASE_URL_VARIABLE, "").strip()
    if raw:
        return _parse(raw, DATABASE_URL_VARIABLE)
    section = _section(secrets)
    if not section:
        return None
    if section.get("url"):
        return _parse(str(section["url"]), "[connections.history] url")
    dialect = str(section.get("dialect", ""))
    driver = f"{dialect}+{section['driver']}" if section.get("driver") else dialect
    try:
        url = URL.create(driver, username=section.get("username"), password=section.get("password"),
                         host=section.get("host"), port=section.get("port"), database=section.get("database"),
                         query=dict(section.get("query") or {}))  # fmt: skip
    except (ArgumentError, TypeError, ValueError) as exc:
        message = f"[connections.history] in the secrets is not a database address ({type(exc).__name__})"
        raise DatabaseError(message) from None
    return _checked(url, "[connections.history]")


def sqlite_url(path: Path) -> URL:
    return URL.create("sqlite", database=str(path))


def _section(secrets: Mapping[str, Any] | None) -> dict[str, Any]:
    connections = (secrets or {}).get("connections") or {}
    section = connections.get("history") if isinstance(connections, Mapping) else None
    if section is not None and not isinstance(section, Mapping):
        raise DatabaseError("[connections.history] in the secrets must be a table of settings")
    return dict(section or {})


def _parse(raw: str, where: str) -> URL:
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):  # a malformed host or port raises ValueError
        raise DatabaseError(f"{where} is not a database URL (dialect://user:password@host:port/database)") from None
    return _checked(url, where)


def _checked(url: URL, where: str) -> URL:
    backend = url.get_backend_name()
    if backend == "postgres":  # Heroku-style
        url = url.set(drivername="postgresql")
        backend = "postgresql"
    if backend not in SUPPORTED:
        raise DatabaseError(f"{where}: the history supports {' and '.join(SUPPORTED)}, not {backend[:40]!r}")
    if backend == "postgresql" and ("+" not in url.drivername or url.get_driver_name() == "psycopg2"):
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3 is what requirements.txt installs
    if backend == "postgresql" and not (url.host or url.query.get("host")):
        raise DatabaseError(f"{where}: a PostgreSQL address needs a host")
    return url


def describe(url: URL) -> str:
    """Where the history is, for people: no user name, no password, no query string."""
    if url.get_backend_name() == "sqlite":
        return f"the SQLite file {url.database}"
    port = f":{url.port}" if url.port else ""
    return f"the shared PostgreSQL history (database {url.database!r} on {url.host}{port})"


def connect(url: URL) -> Engine:
    """A SQLAlchemy engine: SQLite with WAL and a 30 s busy wait, writes taking the lock up front;
    PostgreSQL with a 5 s connect timeout and connections checked before use (a restarted server)."""
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_setup)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=4, hide_parameters=True,
                         connect_args={"connect_timeout": 5})  # fmt: skip


def _sqlite_setup(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun below, not by the driver
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """Writers take SQLite's write lock when they begin (waiting up to the busy timeout), so two
    processes never both read and then fail to upgrade to writing ("database is locked")."""
    immediate = connection.get_execution_options().get("write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def plain_error(exc: BaseException, url: URL) -> str:
    """A database failure in one line, without the URL, its password or the SQL it was running."""
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    message = lines[0] if lines else type(original).__name__
    for secret in filter(None, (url.password, url.render_as_string(hide_password=False), str(url))):
        message = message.replace(str(secret), "***")
    return message[:300]
