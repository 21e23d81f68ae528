"""Shared fixtures: real packaged models, converted once per cache folder, offline."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Nothing may download at test time; hub code paths are exercised on local folders.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("INFERENCE_LENS_CACHE", str(Path.home() / ".cache" / "inference-lens"))
# Saved runs go to a throw-away history, never the user's.
os.environ["INFERENCE_LENS_DATA"] = tempfile.mkdtemp(prefix="inference-lens-test-data-")

SMOLLM2 = "smollm2-135m-instruct"
GEMMA3 = "gemma3-270m"


@pytest.fixture(scope="session")
def context():
    from inference_core.backends import BackendContext

    return BackendContext()


@pytest.fixture(scope="session")
def models():
    from inference_core.models.catalog import builtin_models

    return builtin_models()


@pytest.fixture(scope="session")
def smollm2(models):
    return next(m for m in models if m.key == SMOLLM2)


@pytest.fixture(scope="session")
def gemma3(models):
    return next(m for m in models if m.key == GEMMA3)


@pytest.fixture(scope="session")
def smollm2_dir(smollm2) -> Path:
    """The converted SmolLM2 folder (a real transformers model directory)."""
    from inference_core.models.weights import convert_gguf

    return convert_gguf(smollm2)


@pytest.fixture
def output_dir(request) -> Path:
    """A per-test folder for screenshots and other artefacts, kept after the run."""
    folder = Path(__file__).resolve().parent.parent / "test-output" / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def transformers_serve(model_dir: Path, *extra: str) -> Iterator[str]:
    """A real ``transformers serve`` of ``model_dir`` on a free loopback port; yields its base URL."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    serve = Path(sys.executable).parent / "transformers"
    process = subprocess.Popen(
        [str(serve), "serve", str(model_dir), "--host", "127.0.0.1", "--port", str(port), "--dtype", "float32",
         "--device", "cpu", *extra],
        env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("transformers serve did not start") from None
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture(scope="session")
def served_smollm2(smollm2_dir: Path):
    """A real ``transformers serve`` on a free loopback port, serving the converted SmolLM2 (a lane reference)."""
    with transformers_serve(smollm2_dir) as url:
        yield f"openai:{smollm2_dir}@{url}/v1"


@pytest.fixture(scope="session")
def postgres():
    """A private PostgreSQL on loopback for the whole session (tests/postgres.py)."""
    from tests.postgres import PostgresServer

    server = PostgresServer().start()
    yield server
    server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def history_location(request, tmp_path):
    """A fresh empty history in each database the store supports: a SQLite file, or a URL of a new
    PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "runs.sqlite3"
    from sqlalchemy import make_url

    return make_url(request.getfixturevalue("postgres").fresh_database())


@pytest.fixture(scope="session")
def fault_server():
    from tests.backends.fault_server import FaultServer

    server = FaultServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def output_rows(context):
    """A real two-length output-length sweep of SmolLM2, one repeat (its progress checked on the way)."""
    import pandas as pd

    from inference_core.experiments.job import Sweep
    from inference_core.experiments.plans import plan_sweep
    from inference_core.price.pricing import default_pricer

    plan = plan_sweep("output-length", ["smollm2-135m-instruct"], lengths=[4, 24], repeats=1)
    progress = []
    rows = Sweep(plan, context, finalize=default_pricer()).run(progress.append)
    assert [p.done for p in progress] == [0, 1, 2]
    assert progress[-1].current == "done"
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def saved_run(context, tmp_path_factory):
    """A real two-lane comparison saved lane by lane (the second lane fails: an unknown model)."""
    from inference_core.history.store import RunRecorder, RunStore
    from inference_core.runs.lanes import Lane
    from inference_core.runs.runner import compare
    from inference_core.types import Settings

    store = RunStore(tmp_path_factory.mktemp("history") / "runs.sqlite3")
    recorder = RunRecorder(store, "compare", "Name two planets.", meta={"mode": "sequential"})
    lanes = [Lane("smollm2-135m-instruct", Settings(max_new_tokens=12)), Lane("nope")]
    results = compare("Name two planets.", lanes, context=context, on_result=recorder)
    return store, recorder.run_id, results
