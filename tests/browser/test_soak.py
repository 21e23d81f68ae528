"""Soak: eight browser sessions at once against one real ``streamlit run`` server, both embedded models,
both modes, several rounds; half the sessions race one model in bfloat16 beside its fused float32 decoder
(mixed dtypes at once). Nothing may fail, every run is saved, each model loads once per settings, memory
levels off, and the server's threads return to their baseline when the sessions close."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import psutil
import pytest

from inference_core.history.store import RunStore
from tests.browser.conftest import streamlit_server
from tests.browser.helpers import app_button

pytestmark = pytest.mark.soak

SESSIONS = 8
MODES = ("sequential", "race", "sequential")
"""Three rounds: the third's memory is held to the second's (the first warms the sessions up)."""
LANES = ["smollm2-135m-instruct:max_new_tokens=8", "gemma3-270m:max_new_tokens=8"]
MIXED = [
    "smollm2-135m-instruct:max_new_tokens=8,dtype=bfloat16",
    "smollm2-135m-instruct:max_new_tokens=8,decoder=fused",
]


def link(url: str, mode: str, lanes: list[str]) -> str:
    return f"{url}/compare?{urlencode({'prompt': 'Name a colour.', 'lane': lanes, 'mode': mode}, doseq=True)}"


def run_round(pages: list, url: str, mode: str) -> None:
    """Every session opens the comparison (every other one the mixed dtypes) and presses Run at about the
    same time, then all finish."""
    for index, page in enumerate(pages):
        page.goto(link(url, mode, MIXED if index % 2 else LANES))
    for page in pages:
        page.get_by_text("Which answer, how fast").wait_for(timeout=60_000)
        app_button(page, "Run").wait_for(timeout=30_000)
    for page in pages:
        app_button(page, "Run").click()
    for page in pages:
        page.get_by_text("Results", exact=True).wait_for(timeout=600_000)
        assert page.locator('[data-testid="stException"]').count() == 0


def settle_threads(process: psutil.Process, at_most: int, timeout_s: float = 60) -> int:
    deadline = time.monotonic() + timeout_s
    while process.num_threads() > at_most and time.monotonic() < deadline:
        time.sleep(1)
    return process.num_threads()


def test_eight_sessions_for_several_rounds_lose_nothing_and_level_off(browser, tmp_path, output_dir):
    log = tmp_path / "server.log"
    with streamlit_server(tmp_path, env={"INFERENCE_LENS_LOG_LEVEL": "INFO"}, log=log) as server:
        process = psutil.Process(server.pid)
        warm = browser.new_context(viewport={"width": 1400, "height": 1000})
        run_round([warm.new_page(), warm.new_page()], server.url, "sequential")  # loads every model and setting
        warm.close()
        time.sleep(3)
        baseline_threads = process.num_threads()

        contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(SESSIONS)]
        pages = [context.new_page() for context in contexts]
        rss_mb: list[float] = []
        started = time.perf_counter()
        for mode in MODES:
            run_round(pages, server.url, mode)
            rss_mb.append(process.memory_info().rss / 2**20)
        elapsed = time.perf_counter() - started
        pages[0].screenshot(path=str(output_dir / "soak-session-1.png"), full_page=True)
        peak_threads = process.num_threads()
        for context in contexts:
            context.close()
        settled_threads = settle_threads(process, baseline_threads)

    text = log.read_text()
    runs = RunStore(tmp_path / "runs.sqlite3").list_runs(limit=1000)
    print(f"soak: {SESSIONS} sessions x {len(MODES)} rounds in {elapsed:.0f} s; RSS per round "
          f"{', '.join(f'{mb:,.0f}' for mb in rss_mb)} MB; threads {baseline_threads} -> {peak_threads} -> "
          f"{settled_threads}")  # fmt: skip
    assert "Traceback" not in text and "Error" not in text
    assert text.count("loaded smollm2-135m-instruct (") == 3 and text.count("loaded gemma3-270m (") == 1
    assert len(runs) == 2 + SESSIONS * len(MODES)
    assert all(run.lanes == 2 and run.ok_lanes == 2 for run in runs)
    assert abs(rss_mb[-1] - rss_mb[1]) <= 0.10 * rss_mb[1]
    assert settled_threads <= baseline_threads
