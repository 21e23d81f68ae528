"""The Tour: the explainer's claims, each measured here by one button, stated in one sentence computed from the
measurement, and kept as a report that opens offline."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import streamlit as st

from inference_core import Lane, chapter_chart, collect_environment, format_lane, now_iso, tour_report
from ui import state
from ui.resources import engine, refused
from ui.text import escape_markdown

RESULTS = "tour_results"
QUICK = "tour_quick"
QUESTION = "Why does AI still cost money after training? Each claim below is measured on this machine."


def _results() -> dict[str, Any]:
    return st.session_state.setdefault(RESULTS, {})


def _compare_link(chapter: Any) -> str:
    """Compare with this chapter's two conditions filled in."""
    lanes = [format_lane(c.model, c.settings) for c in (chapter.baseline, chapter.changed)]
    return "/?" + urlencode({"prompt": chapter.baseline.prompt, "lane": lanes}, doseq=True)


def _measure(chapter: Any) -> bool:
    """Run one chapter (refused when past the operator's limits); True when it ran."""
    lanes = [Lane(c.model, c.settings) for c in (chapter.baseline, chapter.changed)]
    if refused(engine().problems(chapter.changed.prompt, lanes)):
        return False
    with st.spinner(f"Measuring: {chapter.change.lower()}, interleaved and repeated..."):
        _results()[chapter.key] = engine().tour_chapter(chapter, st.session_state.get(QUICK, True),
                                                        price=state.machine_price())  # fmt: skip
    return True


def render_chapter(index: int, chapter: Any) -> None:
    st.subheader(f"{index}. {chapter.claim}")
    left, right = st.columns([1, 3])
    if left.button("Measure it", key=f"tour_run_{chapter.key}", icon=":material/play_arrow:"):
        _measure(chapter)
    right.markdown(f"[Open both conditions in Compare]({_compare_link(chapter)})")
    measured = _results().get(chapter.key)
    if measured is None:
        st.caption("Not measured yet: no sentence without a measurement.")
        return
    st.info(escape_markdown(measured.sentence), icon=":material/straighten:")
    spec = chapter_chart(measured.data())
    if spec:
        st.vega_lite_chart(spec, width="stretch", height=170)  # Streamlit sizes it by this, not the spec


def render_tour() -> None:
    st.caption(QUESTION)
    top = st.columns([1, 2])
    st.session_state.setdefault(QUICK, True)
    top[1].toggle("Quick (fewer repeats, shorter answers)", key=QUICK)
    chapters = engine().tour_chapters(st.session_state[QUICK])
    if top[0].button("Run the whole tour", type="primary", icon=":material/route:"):
        bar = st.progress(0.0, text="Starting the tour")
        for done, chapter in enumerate(chapters):
            bar.progress(done / len(chapters), text=f"Chapter {done + 1} of {len(chapters)}: {chapter.claim}")
            if not _measure(chapter):
                break
        bar.empty()
    for index, chapter in enumerate(chapters, start=1):
        render_chapter(index, chapter)
    measured = [_results()[c.key] for c in chapters if c.key in _results()]
    if measured:  # after the chapters: a chapter measured in this run is in it
        data = [m.data() for m in measured]
        st.download_button("Download the report (HTML, opens offline)",
                           lambda: tour_report(data, collect_environment(), now_iso()),  # built on click only
                           "inference-lens-tour.html", "text/html", icon=":material/download:")  # fmt: skip
