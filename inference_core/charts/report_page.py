"""A tour's report as one self-contained HTML file: it opens offline (Vega, Vega-Lite and Vega-Embed are
inlined, no external script, style, font or image), with each chapter's claim, sentence and interactive chart,
the definition of every figure, and the machine's passport. Its data is embedded as JSON in
``<script type="application/json" id="inference-lens-data">``, so every sentence can be recomputed from it.
"""

from __future__ import annotations

import functools
import html
import json
from typing import Any

import altair as alt
import pandas as pd

from inference_core.charts.colors import COLORS
from inference_core.measure import UNITS, metric_help

DATA_ID = "inference-lens-data"
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1f2937}"
    "h1{margin-bottom:.2rem}.sentence{font-size:1.15rem;background:#f3f4f6;padding:.6rem .8rem;border-radius:6px}"
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


def chapter_chart(chapter: dict[str, Any]) -> dict[str, Any]:
    """Each run's figure by condition, with the medians marked: the spread is visible, not only the middle."""
    metric = chapter["metric"]
    rows = pd.DataFrame([{"condition": run["condition"], metric: run[metric]} for run in chapter["runs"]
                         if run.get("ok") and run.get(metric) is not None])  # fmt: skip
    if rows.empty:
        return {}
    title = f"{metric} ({UNITS.get(metric, '')})"
    order = [chapter["baseline"], chapter["changed"]]
    base = alt.Chart(rows).encode(y=alt.Y("condition:N", sort=order, title=None),
                                  color=alt.Color("condition:N", sort=order, legend=None,
                                                  scale=alt.Scale(range=list(COLORS))))  # fmt: skip
    points = base.mark_circle(size=90, opacity=0.7).encode(x=alt.X(f"{metric}:Q", title=title))
    medians = base.mark_tick(thickness=3, size=28).encode(x=f"median({metric}):Q")
    return (points + medians).properties(width=640, height=120).to_dict()


def tour_report(chapters: list[dict[str, Any]], environment: dict[str, Any], measured_at: str) -> str:
    """The whole report page; ``chapters`` as ``ChapterResult.data()`` makes them."""
    charts = [chapter_chart(chapter) for chapter in chapters]
    sections = "".join(
        f"<h2>{html.escape(chapter['claim'])}</h2><p class='sentence'>{html.escape(chapter['sentence'])}</p>"
        f"<div id='chart-{index}'></div>"
        for index, chapter in enumerate(chapters)
    )
    metrics = sorted({chapter["metric"] for chapter in chapters} | {"usd_answer", "tokens_in", "tokens_out"})
    definitions = "".join(f"<dt>{html.escape(name)}</dt><dd>{html.escape(metric_help(name))}</dd>" for name in metrics)
    passport = "".join(f"<tr><th>{html.escape(str(key))}</th><td>{html.escape(json.dumps(value, default=str))}"
                       "</td></tr>" for key, value in environment.items())  # fmt: skip
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Inference Lens: the tour</title>"
        f"<style>{STYLE}</style></head><body><h1>Why AI still costs money after training</h1>"
        f"<p>Measured by Inference Lens on this machine, {html.escape(measured_at)}. Every sentence is computed "
        "from the runs below it; the data is embedded in this file.</p>"
        f"{sections}<h2>What each figure means</h2><dl>{definitions}</dl>"
        f"<h2>The machine</h2><table>{passport}</table>"
        f"<script type='application/json' id='{DATA_ID}'>{_json_in_html({'chapters': chapters})}</script>"
        f"<script type='application/json' id='inference-lens-charts'>{_json_in_html(charts)}</script>"
        f"<script>{_bundle()}</script></body></html>"
    )
