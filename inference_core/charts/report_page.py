"""A tour's (or any saved run's) report as one self-contained HTML file: it opens offline (Vega, Vega-Lite and
Vega-Embed are inlined, no external script, style, font or image), with each chapter's claim, sentence and
interactive chart, the definition of every figure, and the machine's passport. Its data is embedded as JSON in
``<script type="application/json" id="inference-lens-data">``: every sentence can be recomputed from it, and the
saved run it holds imports back into a history.
"""

from __future__ import annotations

import functools
import html
import json
from typing import Any

from inference_core.charts.tour_charts import chapter_chart
from inference_core.measure import BUSY_LIMIT, REPORT_DATA_ID, RESAMPLES, metric_help

DATA_ID = REPORT_DATA_ID
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1f2937}"
    "h1{margin-bottom:.2rem}.question{color:#6b7280;margin:.2rem 0}"
    ".sentence{font-size:1.15rem;background:#f3f4f6;padding:.6rem .8rem;border-radius:6px}"
    "table{border-collapse:collapse}td,th{border-bottom:1px solid #e5e7eb;padding:.25rem .6rem;text-align:left}"
    "dt{font-weight:600}dd{margin:0 0 .5rem 1rem;color:#4b5563}"
)


@functools.lru_cache(maxsize=1)
def _bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed in one script, drawing every chart of the page from its embedded specs."""
    import vl_convert

    snippet = ("const specs = JSON.parse(document.getElementById('inference-lens-charts').textContent);"
               "specs.forEach((spec, i) => Object.keys(spec).length && vegaEmbed('#chart-' + i, spec, "
               "{actions: false}));")  # fmt: skip
    return vl_convert.javascript_bundle(snippet).replace("</script", "<\\/script")  # it sits inside a <script>


def _json_in_html(value: Any) -> str:
    """JSON that a <script> element holds safely (no ``</script>`` can end it early)."""
    return json.dumps(value, allow_nan=False, default=str).replace("<", "\\u003c")


FIGURES = ("ttft_s", "tpot_s", "e2e_s", "tokens_in", "tokens_out", "decode_tok_per_s", "weights_mb", "usd_per_1m_in",
           "usd_per_1m_out", "usd_answer", "energy_j")
TOUR_TERMS = {
    "95% interval": f"Runs of each condition resampled with replacement {RESAMPLES:,} times; the middle 95% of the "
                    "ratio of their medians. An interval that holds 1.00x means no clear effect: the sentence says "
                    "inconclusive.",
    "other programs' CPU share": "The machine's busy CPU time minus this app's own, over wall time x cores, while "
                                 f"the chapter ran; past {BUSY_LIMIT:.0%} a sentence is not stated.",
    "seconds per token": "An input token: time to the first token / input tokens (a one-token answer); an output "
                         "token: TPOT, the mean gap between output tokens.",
    "confidence": "The mean probability the model gave its own answer's tokens.",
    "estimated": "Computed from the model's shape and this machine's measured memory bandwidth, not run: a decoder "
                 "reads every weight once per token, so tokens/s is at most bandwidth / weights bytes.",
}  # fmt: skip


def _passport(environment: dict[str, Any]) -> str:
    return "".join(f"<tr><th>{html.escape(str(key))}</th><td>{html.escape(json.dumps(value, default=str))}"
                   "</td></tr>" for key, value in environment.items())  # fmt: skip


TITLE = "Why AI still costs money after training"


def tour_report(chapters: list[dict[str, Any]], environment: dict[str, Any], measured_at: str,
                run: dict[str, Any] | None = None, title: str | None = None) -> str:  # fmt: skip
    """The whole report page; ``chapters`` as ``ChapterResult.data()`` makes them, ``run`` the saved run as a
    bundle holds it (embedded so the file imports back into a history)."""
    title = title or TITLE
    charts = [chapter_chart(chapter) for chapter in chapters]
    sections = "".join(
        f"<h2>{html.escape(chapter['claim'])}</h2><p class='question'>{html.escape(chapter.get('question', ''))}</p>"
        f"<p class='sentence'>{html.escape(chapter['sentence'])}</p><div id='chart-{index}'></div>"
        for index, chapter in enumerate(chapters)
    )
    definitions = "".join(f"<dt>{html.escape(name)}</dt><dd>{html.escape(metric_help(name))}</dd>" for name in FIGURES)
    definitions += "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in TOUR_TERMS.items())
    data = {"title": title, "measured_at": measured_at, "chapters": chapters, "run": run}
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Inference Lens: {html.escape(title)}"
        f"</title><style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
        f"<p>Measured by Inference Lens on the machine below, {html.escape(measured_at[:16].replace('T', ' '))} UTC. "
        "Every sentence is computed "
        "from the runs below it; the data is embedded in this file, and the file imports back into a history.</p>"
        f"{sections}<h2>What each figure means</h2><dl>{definitions}</dl>"
        f"<h2>The machine</h2><table>{_passport(environment)}</table>"
        f'<script type="application/json" id="{DATA_ID}">{_json_in_html(data)}</script>'
        f"<script type='application/json' id='inference-lens-charts'>{_json_in_html(charts)}</script>"
        f"<script>{_bundle()}</script></body></html>"
    )
