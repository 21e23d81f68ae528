"""The report page: text escaped, data embedded whole and unable to end its script early."""

from __future__ import annotations

import json
import re

from inference_core.charts.report_page import DATA_ID, tour_report

CHAPTER = {"key": "input", "kind": "ratio", "claim": "Longer input is slower.", "question": "Why <i>?",
           "sentence": "</script><script>alert(1)</script>", "metric": "ttft_s",
           "conditions": ["60 words", "240 words"],
           "points": [{"condition": "60 words", "value": 0.3}],
           "runs": [{"condition": "60 words", "ttft_s": 0.3}]}  # fmt: skip


def test_the_data_is_embedded_whole_and_markup_in_it_stays_text():
    page = tour_report([CHAPTER], {"cpu": "<b>x</b>"}, "today", run={"id": "x"})
    embedded = re.search(f'<script type="application/json" id="{DATA_ID}">(.*?)</script>', page, re.S).group(1)
    data = json.loads(embedded)
    assert data["chapters"] == [CHAPTER] and data["run"] == {"id": "x"}
    assert "<script>alert(1)" not in page and "&lt;b&gt;x&lt;/b&gt;" in page and "Why &lt;i&gt;?" in page


def test_every_figure_and_term_is_defined():
    page = tour_report([CHAPTER], {}, "today")
    for term in ("ttft_s", "usd_per_1m_out", "95% interval", "other programs&#x27; CPU share", "estimated"):
        assert f"<dt>{term}</dt>" in page
