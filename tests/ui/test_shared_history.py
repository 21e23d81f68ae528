"""The Compare page on a shared PostgreSQL history that goes down mid-comparison and comes back."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import make_url

from inference_core.history.store import RunStore
from tests.postgres import PASSWORD, PostgresServer
from tests.ui.helpers import plain
from tests.ui.test_compare_page import answers, run_default_lanes


def _page_text(app) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "warning", "error", "info") for e in app.get(kind))


def _stop_once_recorded(server: PostgresServer, database: str) -> None:
    """Stop the database as soon as the comparison's run is recorded, while its lanes still generate."""
    store = RunStore(make_url(database))
    deadline = time.monotonic() + 120
    while not store.list_runs() and time.monotonic() < deadline:
        time.sleep(0.05)
    store._engine.dispose()
    server.stop()


@pytest.mark.slow
def test_a_database_stopped_mid_comparison_loses_no_answer_and_the_next_run_saves(app, monkeypatch):
    server = PostgresServer().start()
    database = server.fresh_database()
    monkeypatch.setenv("INFERENCE_LENS_DATABASE_URL", database)
    try:
        stopper = threading.Thread(target=_stop_once_recorded, args=(server, database))
        stopper.start()
        run_default_lanes(app, "Count from one to thirty.", 40)
        stopper.join()
        assert not app.exception
        assert list(app.dataframe[0].value["status"]) == ["done", "done"]  # the comparison itself finished
        assert all(text.strip() for text in answers(app))
        warnings = [plain(w.value) for w in app.warning]
        assert any("Not saved to the history: lane 1 was not saved" in w for w in warnings), warnings
        assert any("download them as CSV or JSON" in c.value for c in app.caption)
        assert PASSWORD not in _page_text(app) and database not in _page_text(app)

        server.start()
        run_default_lanes(app, "Name a fruit.", 4)
        assert not app.exception and not [w for w in app.warning if "Not saved" in w.value]
        runs = RunStore(make_url(database)).list_runs()
        assert (runs[0].prompt, runs[0].lanes) == ("Name a fruit.", 2)  # saved again, both lanes
    finally:
        server.close()
