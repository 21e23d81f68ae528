"""Where the history lives: the configured URL (environment, then secrets), and that neither the URL
nor its password reaches a message, a log line, the CLI's output or an export."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest
from sqlalchemy import make_url

from inference_core.history.database import DatabaseError, configured_url, describe, plain_error
from inference_core.history.store import RunStore, StoreError
from tests.postgres import PASSWORD


def test_the_environment_wins_then_streamlit_secrets_then_nothing(monkeypatch):
    monkeypatch.delenv("INFERENCE_LENS_DATABASE_URL", raising=False)
    assert configured_url({}) is None
    parts = {"connections": {"history": {"dialect": "postgresql", "host": "db.example", "port": 5432,
                                         "database": "lens", "username": "u", "password": "p@ss"}}}  # fmt: skip
    url = configured_url(parts)
    assert (url.drivername, url.host, url.database) == ("postgresql+psycopg", "db.example", "lens")
    assert url.password == "p@ss"
    assert configured_url({"connections": {"history": {"url": "postgres://u:p@h/db"}}}).drivername == (
        "postgresql+psycopg"
    )  # Heroku-style addresses work
    monkeypatch.setenv("INFERENCE_LENS_DATABASE_URL", "sqlite:////tmp/x.sqlite3")
    assert configured_url(parts).get_backend_name() == "sqlite"


@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        ({"connections": {"history": {"url": "mysql://u:secret-pw@h/db"}}}, "supports sqlite and postgresql"),
        ({"connections": {"history": {"url": "not a url secret-pw"}}}, "not a database URL"),
        (
            {"connections": {"history": {"dialect": "postgresql", "database": "x", "password": "secret-pw"}}},
            "needs a host",
        ),
        ({"connections": {"history": ["secret-pw"]}}, "must be a table"),
    ],
)
def test_a_misconfigured_database_is_a_message_without_the_password(monkeypatch, secrets, message):
    monkeypatch.delenv("INFERENCE_LENS_DATABASE_URL", raising=False)
    with pytest.raises(DatabaseError, match=message) as caught:
        configured_url(secrets)
    assert "secret-pw" not in str(caught.value)


def test_descriptions_and_errors_never_carry_the_url_or_password(postgres, caplog):
    caplog.set_level(logging.DEBUG)
    url = make_url(postgres.url())
    assert PASSWORD not in describe(url) and "lens" not in describe(url)
    wrong = url.set(password="wrong-" + PASSWORD)
    with pytest.raises(StoreError) as refused:
        RunStore(wrong)
    assert "password authentication failed" in str(refused.value)
    down = url.set(port=1)
    with pytest.raises(StoreError) as unreachable:
        RunStore(down)
    assert "cannot be opened" in str(unreachable.value)
    for text in (str(refused.value), str(unreachable.value), caplog.text):
        assert PASSWORD not in text and "postgresql+psycopg://" not in text
    assert PASSWORD not in plain_error(RuntimeError(f"dsn {url.render_as_string(hide_password=False)}"), url)


@pytest.mark.slow
def test_the_cli_saves_to_postgresql_and_never_prints_its_address(postgres, tmp_path):
    database = postgres.fresh_database()
    env = {**os.environ, "INFERENCE_LENS_DATABASE_URL": database, "INFERENCE_LENS_DEPLOYMENT": "team-demo"}
    done = subprocess.run([sys.executable, "-m", "inference_core", "compare", "--prompt", "Name a colour.",
                           "--model", "smollm2-135m-instruct", "--max-new-tokens", "3", "--save", "--json"],
                          capture_output=True, text=True, timeout=300, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "saved as run" in done.stderr and "shared PostgreSQL history" in done.stderr
    exported = tmp_path / "runs.json"
    subprocess.run([sys.executable, "-m", "inference_core", "export", "--out", str(exported)], env=env, check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    for text in (done.stdout, done.stderr, exported.read_text()):
        assert PASSWORD not in text and database not in text
    [run] = RunStore(make_url(database)).list_runs()
    assert run.deployment == "team-demo" and run.machine
    assert json.loads(exported.read_text())["runs"][0]["meta"]["measured_on"]["deployment"] == "team-demo"


@pytest.mark.slow
def test_the_cli_still_answers_when_the_database_is_down():
    env = {**os.environ, "INFERENCE_LENS_DATABASE_URL": f"postgresql://lens:{PASSWORD}@127.0.0.1:1/nothing"}
    done = subprocess.run([sys.executable, "-m", "inference_core", "compare", "--prompt", "Name a colour.",
                           "--model", "smollm2-135m-instruct", "--max-new-tokens", "3", "--save", "--json"],
                          capture_output=True, text=True, timeout=300, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    [lane] = [json.loads(line) for line in done.stdout.splitlines()]
    assert lane["ok"] and lane["tokens_out"] == 3
    assert "warning: the run was not saved" in done.stderr and "cannot be opened" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr and "Traceback" not in done.stderr
