"""The report page: text escaped, data embedded whole and unable to end its script early."""

from __future__ import annotations

import json
import re

from inference_core.charts.report_page import DATA_ID, chapter_chart, tour_report

CHAPTER = {"key": "input", "claim": "Longer input is slower.", "sentence": "</script><script>alert(1)</script>",
           "metric": "ttft_s", "baseline": "60 words", "changed": "240 words", "busy_share": None,
           "runs": [{"condition": "60 words", "ok": True, "ttft_s": 0.3}, {"condition": "240 words", "ok": True,
                                                                           "ttft_s": 0.7}]}  # fmt: skip


def test_the_data_is_embedded_whole_and_markup_in_it_stays_text():
    page = tour_report([CHAPTER], {"cpu": "<b>x</b>"}, "today")
    embedded = re.search(f"<script type='application/json' id='{DATA_ID}'>(.*?)</script>", page, re.S).group(1)
    assert json.loads(embedded) == {"chapters": [CHAPTER]}
    assert "<script>alert(1)" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_a_chapter_chart_shows_every_run_and_the_medians():
    spec = chapter_chart(CHAPTER)
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["circle", "tick"]
    assert chapter_chart({**CHAPTER, "runs": []}) == {}
