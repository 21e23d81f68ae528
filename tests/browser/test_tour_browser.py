"""The Tour in headless Chromium, as a visitor who knows nothing meets it: it is the landing page, the whole tour
starts with one click and stops with another, what it measured is saved with a share link that reopens it without
running anything, and the report downloads as one file that opens offline."""

from __future__ import annotations

import re

from tests.browser.helpers import app_button


def test_the_landing_tour_runs_stops_shares_and_downloads(app_url, page, browser, output_dir, tmp_path):
    page.goto(app_url)
    page.get_by_role("heading", name="Why does AI still cost money after training?").wait_for(timeout=60_000)
    page.get_by_text("8. A fluent answer can be wrong").wait_for(timeout=30_000)  # the whole page is drawn
    assert page.get_by_text("no sentence without a measurement").count() == 8
    app_button(page, "Run the whole tour").click()
    page.get_by_text(re.compile(r"Chapter 2 of 8")).wait_for(timeout=180_000)  # the first chapter is measured
    app_button(page, "Stop").click()
    page.get_by_text("and saved to the history").wait_for(timeout=60_000)  # saved up to Stop, and shown
    sentence = page.get_by_text(re.compile(r"^The first token took .*x as long as each next token|^Inconclusive"))
    sentence.first.wait_for(timeout=30_000)
    assert page.get_by_text("no sentence without a measurement").count() == 7  # what was not measured says so
    page.screenshot(path=str(output_dir / "tour-stopped.png"), full_page=True)
    link = page.locator("code").filter(has_text="?tour=").first.inner_text().strip()

    with page.expect_download(timeout=60_000) as download:
        app_button(page, "Download the report").click()
    report = tmp_path / "report.html"
    download.value.save_as(report)
    assert 'id="inference-lens-data"' in report.read_text() and "one token at a time" in report.read_text()

    visitor = browser.new_context(viewport={"width": 1400, "height": 2200}).new_page()
    visitor.goto(link)  # a colleague opens the share link: the results, nothing run
    visitor.get_by_text("nothing was run to show it").wait_for(timeout=60_000)
    visitor.get_by_text(re.compile(r"^The first token took|^Inconclusive")).first.wait_for(timeout=30_000)
    visitor.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=30_000)
    visitor.screenshot(path=str(output_dir / "tour-shared.png"), full_page=True)
    visitor.context.close()
