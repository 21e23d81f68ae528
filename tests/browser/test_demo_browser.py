"""Demo-readiness in Chromium: answers where the eye is, the table's order, ?run= links, operator-only actions."""

from __future__ import annotations

import re
from urllib.parse import quote

from inference_core.backends import BackendContext
from inference_core.history.store import RunRecorder, RunStore
from inference_core.runs.lanes import Lane
from inference_core.runs.runner import compare
from inference_core.types import Settings
from tests.browser.conftest import streamlit_server
from tests.browser.helpers import app_button

SCREEN = {"width": 1400, "height": 900}
TWO_LANES = ("smollm2-135m-instruct:max_new_tokens=160", "smollm2-135m-instruct:quantize=int8,max_new_tokens=160")
LANES = "&".join(f"lane={quote(lane)}" for lane in TWO_LANES)


def test_after_run_the_first_lane_streams_in_the_upper_half_of_the_screen(browser, app_url, output_dir):
    page = browser.new_context(viewport=SCREEN).new_page()
    page.goto(f"{app_url}/compare?prompt={quote('Write a long story about a lighthouse keeper.')}&{LANES}")
    page.get_by_text("Which answer, how fast").wait_for(timeout=60_000)
    run = app_button(page, "Run")
    run.wait_for(timeout=30_000)
    assert run.bounding_box()["y"] + run.bounding_box()["height"] < SCREEN["height"]  # reached without scrolling
    run.click()
    lane = page.locator('[data-testid="stColumn"]').filter(has_text="tok/s").first
    lane.wait_for(timeout=180_000)
    figures = lane.get_by_text(re.compile(r"tokens? · TTFT")).first
    page.screenshot(path=str(output_dir / "streaming-1400x900.png"))
    box = figures.bounding_box()
    assert box["y"] + box["height"] < SCREEN["height"] / 2, box  # the live figures sit in the upper half
    answer = lane.locator('[data-testid="stMarkdownContainer"]').last
    assert answer.bounding_box()["y"] < SCREEN["height"] - 40  # and the answer starts in view below them
    app_button(page, "Stop").click()
    page.get_by_text("Stopped: kept what was generated.").first.wait_for(timeout=30_000)


def test_the_results_table_leads_with_ttft(browser, app_url, output_dir):
    page = browser.new_context(viewport={"width": 1400, "height": 2200}).new_page()
    page.goto(f"{app_url}/compare?prompt=Name+a+fruit.&lane=smollm2-135m-instruct:max_new_tokens=6")
    page.get_by_text("Which answer, how fast").wait_for(timeout=60_000)
    app_button(page, "Run").click()
    page.get_by_text("Results", exact=True).wait_for(timeout=180_000)
    headers = page.locator('[data-testid="stDataFrame"] [role="columnheader"]')
    headers.first.wait_for(state="attached", timeout=30_000)  # the grid's accessible table (drawn on a canvas)
    names = [(text or "").strip() for text in headers.all_text_contents()]
    assert names[0] == "lane" and names[1] == "TTFT (s)", names  # the lane names the row; TTFT is the first figure
    page.screenshot(path=str(output_dir / "results.png"), full_page=True)


def test_a_run_link_shows_the_saved_answers_without_loading_a_model(browser, tmp_path, monkeypatch, output_dir):
    monkeypatch.setenv("INFERENCE_LENS_DATA", str(tmp_path))
    store = RunStore()
    recorder = RunRecorder(store, "compare", "Name a fruit.")
    lanes = [Lane("smollm2-135m-instruct", Settings(max_new_tokens=8))]
    [result] = compare("Name a fruit.", lanes, on_result=recorder, context=BackendContext())
    log = tmp_path / "server.log"
    with streamlit_server(tmp_path, env={"INFERENCE_LENS_LOG_LEVEL": "INFO"}, log=log) as server:
        page = browser.new_context(viewport={"width": 1400, "height": 2200}).new_page()
        page.goto(f"{server.url}/?run={recorder.run_id}")  # a link of when Compare was the landing page
        page.get_by_text("Saved run").wait_for(timeout=60_000)
        page.get_by_text(result.text.strip()[:20]).first.wait_for(timeout=30_000)
        app_button(page, "Replay").wait_for(timeout=30_000)
        page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=30_000)
        page.screenshot(path=str(output_dir / "run-link.png"), full_page=True)
    assert "loaded smollm2" not in log.read_text()  # nothing was run for it


def test_server_wide_actions_are_the_operators_only(browser, tmp_path):
    for enabled in (False, True):
        env = {"INFERENCE_LENS_OPERATOR_ACTIONS": "1"} if enabled else {}
        with streamlit_server(tmp_path / str(enabled), env=env) as server:
            page = browser.new_context(viewport={"width": 1400, "height": 3000}).new_page()
            page.goto(f"{server.url}/models")
            page.get_by_text("Loaded models and caches").wait_for(timeout=60_000)
            page.get_by_text("Add an endpoint").wait_for(timeout=30_000)
            marker = "Converted cache of" if enabled else "INFERENCE_LENS_OPERATOR_ACTIONS=1"
            page.get_by_text(marker).first.wait_for(timeout=30_000)
            clear = page.locator("button").filter(has_text=re.compile(r"^Clear$"))
            keep = page.get_by_text("Keep it in the catalog file")
            if enabled:
                clear.first.wait_for(timeout=30_000)  # the packaged models' converted caches
                assert keep.count() == 1
            else:
                assert clear.count() == 0 and keep.count() == 0
                assert page.get_by_text("INFERENCE_LENS_OPERATOR_ACTIONS=1").count() == 1


def test_the_trade_off_view_renders_the_saved_runs(browser, app_url, output_dir):
    page = browser.new_context(viewport={"width": 1400, "height": 2200}).new_page()
    page.goto(f"{app_url}/compare?prompt=Name+a+fruit.&lane=smollm2-135m-instruct:max_new_tokens=6")
    page.get_by_text("Which answer, how fast").wait_for(timeout=60_000)
    app_button(page, "Run").click()
    page.get_by_text("Results", exact=True).wait_for(timeout=180_000)  # at least one saved run
    page.goto(f"{app_url}/history?view=summary")  # the trade-offs: History's summary figure
    page.get_by_text("Every run in one figure").first.wait_for(timeout=60_000)
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=60_000)
    app_button(page, "Download PNG").wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(output_dir / "tradeoffs.png"), full_page=True)


def test_a_hostile_prompt_is_tokenized_as_text_in_chromium(browser, app_url, output_dir):
    page = browser.new_context(viewport={"width": 1400, "height": 2200}).new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("dialog", lambda dialog: requested.append("dialog:" + dialog.message))
    page.goto(f"{app_url}/quality")
    field = page.get_by_label("Text")
    field.wait_for(timeout=60_000)
    field.fill("<img src=x onerror=alert(1)><script>alert(2)</script><b>bold</b> café 🙂")
    field.press("Control+Enter")
    page.locator(".chips").nth(1).wait_for(timeout=120_000)
    assert page.locator(".chips img, .chips script, .chips b").count() == 0  # no element from the prompt
    assert not any(url.endswith("/x") or url.startswith("dialog:") for url in requested)
    page.screenshot(path=str(output_dir / "tokens.png"), full_page=True)


def test_an_empty_history_is_offered_the_default_trade_off_sweep_with_its_time(browser, tmp_path):
    with streamlit_server(tmp_path) as server:
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.goto(f"{server.url}/history?view=summary")
        page.get_by_text("No saved runs yet").wait_for(timeout=60_000)
        assert re.search(r"about \d+ s plus loading", page.inner_text("body"))
        assert app_button(page, "Run the default sweep").count() == 1
