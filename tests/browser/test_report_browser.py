"""A tour report opens offline in Chromium and draws its charts from the data it carries."""

from __future__ import annotations

from inference_core.charts.report_page import tour_report


def test_a_report_opens_offline_and_draws_every_chart(browser, tmp_path, output_dir):
    runs = [{"condition": label, "ok": True, "e2e_s": seconds} for label, seconds in
            (("16 tokens", 1.1), ("32 tokens", 2.1), ("16 tokens", 1.2), ("32 tokens", 2.2))]  # fmt: skip
    chapter = {
        "key": "output",
        "claim": "Longer output is slower <b>and</b> dearer.",
        "sentence": "It took longer.",
        "metric": "e2e_s",
        "baseline": "16 tokens",
        "changed": "32 tokens",
        "busy_share": 0.0,
        "runs": runs,
    }
    report = tmp_path / "report.html"
    report.write_text(tour_report([chapter, {**chapter, "key": "again"}], {"cores": 2}, "today"))
    context = browser.new_context(offline=True)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(report.as_uri())
    for index in range(2):
        page.locator(f"#chart-{index} svg, #chart-{index} canvas").first.wait_for(timeout=30_000)
    page.screenshot(path=str(output_dir / "report.png"), full_page=True)
    assert [url for url in requested if not url.startswith("file:")] == []
    assert page.locator("h2").first.inner_text() == "Longer output is slower <b>and</b> dearer."  # escaped text
    context.close()
