"""A private PostgreSQL for the tests: Debian's ``postgresql`` binaries, a throw-away data folder,
a free loopback port and a password, started and stopped here (never the system's cluster)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

PASSWORD = "canary-db-password-" + uuid.uuid4().hex[:8]
USER = "lens"


def _binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise RuntimeError(f"{name} not found: install Debian's postgresql package (scripts/test.sh does)")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """``initdb`` once, then ``start``/``stop`` at will; ``url(database)`` for SQLAlchemy."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="inference-lens-pg-"))
        self.data, self.socket_dir, self.log = self.root / "data", self.root / "socket", self.root / "server.log"
        self.port = _free_port()
        self.socket_dir.mkdir()
        password_file = self.root / "password"
        password_file.write_text(PASSWORD)
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: its own system user runs it
            shutil.chown(self.root, "postgres")
            for path in (self.socket_dir, password_file):
                shutil.chown(path, "postgres")
        self._run(_binary("initdb"), "-D", str(self.data), "-U", USER, "--auth=scram-sha-256",
                  f"--pwfile={password_file}", "--encoding=UTF8", "--no-sync")  # fmt: skip
        password_file.unlink()

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        options = (f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c max_connections=100")  # fmt: skip
        self._run(_binary("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")
        return self

    def stop(self) -> None:
        self._run(_binary("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def fresh_database(self) -> str:
        """A new empty database's URL."""
        import psycopg

        name = "history_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url().replace("+psycopg", ""), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def close(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
