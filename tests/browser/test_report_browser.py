"""A tour report opens offline in Chromium and draws its charts from the data it carries."""

from __future__ import annotations

from inference_core.charts.report_page import tour_report


def test_a_report_opens_offline_and_draws_every_chart(browser, tmp_path, output_dir):
    points = [{"condition": label, "value": seconds} for label, seconds in
              (("16 tokens", 1.1), ("32 tokens", 2.1), ("16 tokens", 1.2), ("32 tokens", 2.2))]  # fmt: skip
    chapter = {
        "key": "output",
        "kind": "ratio",
        "claim": "Longer output is slower <b>and</b> dearer.",
        "sentence": "It took longer.",
        "metric": "e2e_s",
        "conditions": ["16 tokens", "32 tokens"],
        "busy_share": 0.0,
        "points": points,
        "runs": [],
    }
    tokens = {"key": "tokens", "kind": "tokens", "claim": "One token at a time.", "sentence": "Step by step.",
              "metric": "ttft_s", "points": [{"run": "run 1", "token": i, "time_s": 0.4 + i / 10, "ttft_s": 0.5}
                                             for i in range(1, 9)], "runs": []}  # fmt: skip
    report = tmp_path / "report.html"
    report.write_text(tour_report([chapter, tokens], {"cores": 2}, "2026-12-07T20:00:00+00:00"))
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
