"""A visitor's hostile input on a real server: it fails alone, with a message, and the server keeps answering."""

from __future__ import annotations

import threading
import time
import urllib.request

from tests.browser.helpers import app_button


def probe_health(url: str, stop: threading.Event, slowest: list[float]) -> None:
    """Ask ``/_stcore/health`` every half second until ``stop``; record the slowest answer (a timeout: 10 s)."""
    while not stop.is_set():
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as response:
                response.read()
        except OSError:
            pass
        slowest[0] = max(slowest[0], time.perf_counter() - started)
        stop.wait(0.5)


def test_a_backtracking_grader_pattern_neither_freezes_the_server_nor_the_set(app_url, page, tmp_path):
    questions = tmp_path / "redos.csv"
    questions.write_text("prompt,expected,check\n"
                         "Say hello and describe the weather today in detail.,(.|.)*@@@,regex\n"
                         "Say hello.,(a+)+$,regex\n")  # fmt: skip
    page.goto(f"{app_url}/quality")
    page.get_by_role("tab", name="Quality").click()
    page.locator('input[type="file"]').set_input_files(str(questions))
    page.get_by_text("redos.csv: 2 questions").wait_for(timeout=30_000)
    stop, slowest = threading.Event(), [0.0]
    prober = threading.Thread(target=probe_health, args=(app_url, stop, slowest))
    prober.start()
    tables = page.locator('[data-testid="stDataFrame"]').count()
    try:
        app_button(page, "Run the set").click()
        page.wait_for_function(
            "n => document.querySelectorAll('[data-testid=\"stDataFrame\"]').length > n", arg=tables, timeout=240_000
        )  # the set's summary table (drawn on a canvas)
    finally:
        stop.set()
        prober.join()
    print(f"slowest health check while the set ran: {slowest[0] * 1000:.0f} ms")
    assert slowest[0] < 10, f"the server stopped answering its health check for {slowest[0]:.0f} s"
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_one_token_answer_renders_its_undefined_figures_as_n_a(app_url, page, output_dir):
    lanes = "lane=smollm2-135m-instruct:max_new_tokens=1&lane=smollm2-135m-instruct:max_new_tokens=8,quantize=int8"
    page.goto(f"{app_url}/compare?prompt=Name+a+colour.&{lanes}")
    app_button(page, "Run").click()
    page.get_by_text("Results", exact=True).wait_for(timeout=240_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("n/a (one output token: no time between tokens)").count() >= 1
    page.screenshot(path=str(output_dir / "one-token.png"), full_page=True)
