"""The Compare page in headless Chromium, as a user drives it."""

from __future__ import annotations

import time
from urllib.parse import quote, urlsplit

from tests.browser.helpers import app_button


def set_max_tokens(page, value: int) -> None:
    page.get_by_text("Lanes: models, engines").click()  # the lane editor is folded under the prompt
    page.get_by_role("spinbutton", name="Max new tokens").first.wait_for(timeout=30_000)
    for field in page.get_by_role("spinbutton", name="Max new tokens").all():
        field.fill(str(value))
        field.press("Enter")
    time.sleep(0.5)


def start_run(page, url: str, prompt_text: str, max_tokens: int) -> None:
    """Open Compare, set every lane's max tokens, type the prompt and press Run."""
    page.goto(url)
    page.get_by_text("Which answer, how fast").wait_for(timeout=60_000)
    set_max_tokens(page, max_tokens)
    prompt = page.get_by_label("Prompt")
    prompt.fill(prompt_text)
    prompt.press("Control+Enter")
    app_button(page, "Run").click()


def test_run_streams_both_columns_and_shows_results(app_url, page, output_dir):
    start_run(page, f"{app_url}/compare", "Why do longer answers take longer?", 12)
    page.get_by_text("Results", exact=True).wait_for(timeout=240_000)
    panes = page.locator('[data-testid="stColumn"]').filter(has_text="tokens · TTFT")
    assert panes.count() == 2
    for index in range(2):
        assert panes.nth(index).inner_text().count("tok/s") >= 1
    page.locator('[data-testid="stDataFrame"]').wait_for(timeout=30_000)  # drawn lazily
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=30_000)
    page.screenshot(path=str(output_dir / "compare.png"), full_page=True)


def test_stop_ends_every_lane_quickly_and_keeps_the_text(app_url, page, output_dir):
    lanes = "lane=smollm2-135m-instruct:max_new_tokens=400&lane=smollm2-135m-instruct:quantize=int8,max_new_tokens=400"
    page.goto(f"{app_url}/compare?prompt=Write+a+long+story+about+a+lighthouse+keeper.&{lanes}")  # the link's lanes
    app_button(page, "Run").click()
    page.get_by_text("decoding").first.wait_for(timeout=120_000)
    time.sleep(1.0)
    stopped_at = time.perf_counter()
    app_button(page, "Stop").click()
    page.get_by_text("Stopped: kept what was generated.").first.wait_for(timeout=10_000)
    assert time.perf_counter() - stopped_at < 5  # page round trip included; the engine's own bound is 1 s
    kept = page.locator('[data-testid="stColumn"]').filter(has_text="Stopped: kept")
    assert "tokens · TTFT" in kept.first.inner_text()
    assert "max 400" in kept.first.inner_text()  # it was stopped, not finished
    page.screenshot(path=str(output_dir / "stopped.png"), full_page=True)


def test_model_html_is_never_injected(app_url, page):
    attack = "<img src=x onerror=\"document.title='pwned'\"> continue this HTML:"
    page.goto(f"{app_url}/compare?prompt={attack}&lane=gemma3-270m:max_new_tokens=8")
    page.get_by_text("Which answer, how fast").wait_for(timeout=60_000)
    app_button(page, "Run").click()
    page.get_by_text("Results", exact=True).wait_for(timeout=240_000)
    assert page.title() != "pwned"
    assert page.locator('[data-testid="stMarkdownContainer"] img').count() == 0


def test_experiments_page_after_a_tiny_sweep(app_url, page, output_dir):
    page.goto(f"{app_url}/experiments")
    page.get_by_text("Experiments", exact=True).first.wait_for(timeout=60_000)
    page.get_by_text("Model size: bigger models").click()
    models = page.locator('[data-testid="stMultiSelect"]').first
    models.get_by_text("(shape only)").first.wait_for(timeout=60_000)  # the default is the whole ladder that fits
    models.get_by_label("Clear all").click()
    for name in ("SmolLM2 135M", "SmolLM2 360M"):  # one real model, one shape-only model
        models.locator("input").fill(name)
        models.locator("input").press("Enter")
    page.keyboard.press("Escape")
    for label, value in (("Output tokens (pinned)", 8), ("Repeats per point", 2)):
        field = page.get_by_role("spinbutton", name=label)
        field.fill(str(value))
        field.press("Enter")
    time.sleep(0.5)
    app_button(page, "Run sweep").click()
    page.get_by_text("Results: model-size").wait_for(timeout=300_000)
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.nth(3).wait_for(timeout=60_000)  # they render one after another
    assert charts.count() == 4  # decode speed (with the roofline), TTFT, model memory, $ per 1M output tokens
    assert page.get_by_text("memory-bandwidth limit").count() >= 1
    page.screenshot(path=str(output_dir / "experiments.png"), full_page=True)


def test_a_direct_link_to_a_page_on_a_fresh_server_goes_through_the_router(page, tmp_path):
    from tests.browser.conftest import streamlit_server

    with streamlit_server(tmp_path) as server:
        page.goto(f"{server.url}/experiments")
        page.get_by_text("Experiments", exact=True).first.wait_for(timeout=60_000)
        page.get_by_text("Machine price ($/hour)").wait_for(timeout=30_000)  # the router's sidebar
        assert page.get_by_role("link", name="Compare").count() >= 1


def test_a_crafted_share_link_renders_no_image_and_no_link(app_url, page):
    lane = "smollm2-135m-instruct:dtype=![p](//127.0.0.1/pixel.png)[Log in again](//evil.example/login)"
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{app_url}/compare?lane={quote(lane)}")
    page.get_by_text("was skipped").first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stAlert"] img').count() == 0
    assert page.locator('a[href*="evil.example"]').count() == 0
    assert not any(urlsplit(url).path.endswith("pixel.png") for url in requested)  # the page's own URL holds it
    assert "[Log in again](//evil.example/login)" in page.locator('[data-testid="stAlert"]').first.inner_text()


def test_a_hostile_bundle_is_refused_on_the_history_page_with_a_message(app_url, page, tmp_path):
    bundle = tmp_path / "hostile.json"
    bundle.write_text(
        '{"format": "inference-lens-bundle", "version": 1, "runs": [{"id": "' + "a" * 32 + '", '
        '"kind": "compare", "created_at": "2026-01-01T00:00:00", "prompt": "p", "meta": "not an object", "lanes": []}]}'
    )
    page.goto(f"{app_url}/history")
    page.get_by_text("Import a bundle").click()
    page.locator('input[type="file"]').set_input_files(str(bundle))
    app_button(page, "Import").click()
    page.get_by_text("Nothing was imported").wait_for(timeout=30_000)
    assert "runs.0.meta" in page.locator('[data-testid="stAlert"]').first.inner_text()
