"""The Tour: the explainer's claims, each measured here by one button, stated in one sentence computed from the
measurement; the whole tour runs with a progress bar and a Stop, is saved as one run with a share link, replays
at its recorded timings, and downloads as a report that opens offline."""

from __future__ import annotations

import queue
import threading
import time
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from inference_core import chapter_chart
from inference_core.engine import LimitError, StoreError
from inference_core.types import StatusEvent, StoredRun, TokenEvent
from ui import state
from ui.jobs import collect, report_save_errors, run_job
from ui.resources import engine, history_unreadable, refused, session_access
from ui.text import escape_markdown, notice

CHAPTERS = "tour_chapters"
"""Chapter key -> its data (as measured in this session, or as a saved tour holds it)."""
MEASURED = "tour_measured"
"""Chapter key -> ChapterResult measured in this session (what a report of them is built from)."""
TOUR_RUN = "tour_run"
"""The saved tour shown (run by this session, or opened from a link or the recorded tours)."""
OPENED = "tour_opened"
"""True when the tour shown was opened (a link, a recorded tour), not measured by this session."""
QUICK = "tour_quick"
JOB = "tour_job"
QUESTION = ("Each claim of the explainer below is measured on this machine with the embedded models, in one click, "
            "and stated in one sentence computed from that measurement.")


def _chapters() -> dict[str, dict[str, Any]]:
    return st.session_state.setdefault(CHAPTERS, {})


def _measured() -> dict[str, Any]:
    return st.session_state.setdefault(MEASURED, {})


def full_page_link(chapter: Any) -> str:
    """The full page for the chapter's experiment, with its settings filled in."""
    query = urlencode(chapter.query, doseq=True)
    return f"/{chapter.page}" + (f"?{query}" if query else "")


def show_chapter(placeholder: Any, data: dict[str, Any]) -> None:
    """A chapter's sentence (a warning when inconclusive) and its chart."""
    with placeholder.container():
        sentence = escape_markdown(data["sentence"])
        if data["sentence"].startswith(("Inconclusive", "Not ")):
            st.warning(sentence, icon=":material/help:")
        else:
            st.info(sentence, icon=":material/straighten:")
        if spec := chapter_chart(data):
            st.vega_lite_chart(spec, width="stretch")


def _draw_tokens(placeholder: Any, tokens: list[TokenEvent]) -> None:
    """The answer so far, each token's arrival drawn (the prompt's reading, then one step per token)."""
    rows = [{"run": "now", "token": t.index + 1, "time_s": t.elapsed_s, "ttft_s": tokens[0].elapsed_s}
            for t in tokens]  # fmt: skip
    with placeholder.container():
        st.markdown(escape_markdown("".join(t.text for t in tokens)))
        st.vega_lite_chart(chapter_chart({"kind": "tokens", "metric": "ttft_s", "points": rows}), width="stretch")


def _stream_tokens(placeholder: Any, events: queue.Queue, worker: threading.Thread) -> None:
    """The answer as it is written, while the chapter's worker runs."""
    tokens: list[TokenEvent] = []
    while worker.is_alive() or not events.empty():
        try:
            event = events.get(timeout=0.1)
        except queue.Empty:
            continue
        if isinstance(event, TokenEvent):
            tokens = [event] if event.index == 0 else [*tokens, event]
            _draw_tokens(placeholder, tokens)


def _measure(chapter: Any, placeholder: Any) -> None:
    """Run one chapter in a worker thread (this page keeps drawing: the first chapter streams its tokens)."""
    if refused(engine().tour_problems([chapter])):
        return
    events: queue.Queue = queue.Queue()
    found: dict[str, Any] = {}
    quick, price, measuring = st.session_state.get(QUICK, True), state.machine_price(), engine()

    def work() -> None:  # no Streamlit call in here: it runs outside the page's script
        try:
            found["result"] = measuring.tour_chapter(chapter, quick, price, on_event=events.put)
        except (LimitError, ValueError, RuntimeError) as exc:
            found["error"] = str(exc)

    worker = threading.Thread(target=work, name=f"tour-{chapter.key}", daemon=True)
    worker.start()
    with st.spinner(f"Measuring: {chapter.claim.split(':')[0].lower()}, interleaved and repeated..."):
        _stream_tokens(placeholder, events, worker) if chapter.kind == "tokens" else worker.join()
    if "error" in found:
        notice("error", f"The chapter could not be measured: {found['error']}")
        return
    _measured()[chapter.key] = found["result"]
    _chapters()[chapter.key] = found["result"].data()
    st.session_state.pop(TOUR_RUN, None)  # the page now shows this session's measurements, not a saved tour
    st.query_params.pop("tour", None)


def render_chapter(index: int, chapter: Any, hold: bool = False) -> Any:
    """The chapter's claim, question, button and link; its measurement (unless ``hold``: a replay draws it)."""
    st.subheader(f"{index}. {chapter.claim}")
    st.caption(escape_markdown(chapter.question))
    left, right = st.columns([1, 3], vertical_alignment="center")
    clicked = left.button("Measure it", key=f"tour_run_{chapter.key}", icon=":material/play_arrow:",
                          disabled=bool(chapter.blocked), help=chapter.blocked or None)  # fmt: skip
    right.markdown(f"[Open the full experiment, same settings]({full_page_link(chapter)})")
    placeholder = st.empty()
    if clicked:
        _measure(chapter, placeholder)
    data = _chapters().get(chapter.key)
    if chapter.blocked:
        placeholder.caption(escape_markdown(f"Not measured on this deployment: the chapter {chapter.blocked}."))
    elif data is None:
        placeholder.caption("Not measured yet: no sentence without a measurement.")
    elif hold:
        placeholder.caption("Replaying: this chapter appears after as long as it took when recorded.")
    else:
        show_chapter(placeholder, data)
    return placeholder


def _keep_tour(job: Any) -> None:
    """What the whole tour measured (all of it, or up to Stop): on the page, and saved as one run."""
    results = list(job.results)  # a stopped job may still be finishing its step
    if not results:
        return
    for result in results:
        _measured()[result.chapter.key] = result
    run, errors = engine().save_tour(results, st.session_state.get(QUICK, True))
    _open(run, opened=False)
    st.session_state[state.SAVE_ERRORS] = errors


def _run_whole_tour(count: int) -> None:
    try:
        job = engine().tour_job(st.session_state.get(QUICK, True), state.machine_price(), session_access())
    except LimitError as exc:
        notice("error", f"The tour cannot run here: {exc}")
        return
    bar, stream = st.progress(0.0, text="Starting the tour"), st.empty()

    def progress(running: Any) -> None:
        tokens: list[TokenEvent] = []
        while (event := running.events.get()) is not None:
            if isinstance(event, TokenEvent):  # the first chapter's answer, drawn as it is written
                tokens = [event] if event.index == 0 else [*tokens, event]
                _draw_tokens(stream, tokens)
            elif not isinstance(event, StatusEvent):
                share = (event.chapter + event.done / max(event.total, 1)) / count
                bar.progress(min(share, 1.0), text=escape_markdown(f"Chapter {event.chapter + 1} of {count}: "
                             f"{event.claim.split(':')[0]} · run {event.done} of {event.total}"))  # fmt: skip

    run_job(JOB, job, progress, "tour", _keep_tour)


def _open(run: StoredRun, opened: bool = True) -> None:
    """Show a saved tour (``opened``: from a link or the recorded tours, else just measured here): its chapters,
    each sentence recomputed from its saved rows; the address becomes its share link."""
    st.session_state[TOUR_RUN], st.session_state[OPENED] = run, opened
    st.session_state[CHAPTERS] = {data["key"]: data for data in engine().tour_data(run)}
    st.query_params["tour"] = run.id


def opened_from_link(run_id: str) -> bool:
    """A ``?tour=RUN_ID`` link: that saved tour, running nothing; False when the history has no such tour."""
    current = st.session_state.get(TOUR_RUN)
    if current is not None and current.id == run_id:
        return True
    try:
        run = engine().run(run_id) if state.RUN_ID.fullmatch(run_id) else None
    except StoreError as exc:
        history_unreadable(exc)
    if run is None or not engine().is_tour(run):
        notice("warning", f"The link names no saved tour here ({run_id[:40]}).")
        return False
    _open(run)
    return True


def _recorded(run: StoredRun) -> bool:
    """Where the tour shown was measured, its share link, and a replay at its recorded timings (True: asked)."""
    machine = run.meta.get("measured_on", {}).get("machine", "an unknown machine")
    when = run.created_at[:16].replace("T", " ")
    if st.session_state.get(OPENED, True):
        st.success(escape_markdown(f"Recorded {when} UTC on {machine}: nothing was run to show it."),
                   icon=":material/history:")  # fmt: skip
    else:
        st.success(escape_markdown(f"Measured here ({machine}) and saved to the history, {when} UTC."),
                   icon=":material/save:")  # fmt: skip
    st.caption("Share link: reopens these results, running nothing")
    st.code(state.tour_link(run.id), language=None)
    return st.button("Replay at the recorded timings", icon=":material/replay:",
                     help="Reveals each chapter after as long as it took when recorded (a click stops it)")  # fmt: skip


def _replay(placeholders: dict[str, Any]) -> None:
    """Each recorded chapter in turn, after as long as it took (the first streams its tokens at their times)."""
    chapters = [data for key, data in _chapters().items() if key in placeholders]
    bar = st.progress(0.0)
    for index, data in enumerate(chapters):
        wait = float(data.get("seconds") or sum(row.get("e2e_s") or 0 for row in data["runs"]))
        bar.progress(index / len(chapters), text=escape_markdown(f"Replaying chapter {index + 1}: "
                     f"{data['claim'].split(':')[0]} ({wait:.0f} s when recorded)"))  # fmt: skip
        started = time.monotonic()
        if data["kind"] == "tokens":
            _replay_tokens(placeholders[data["key"]], data)
        time.sleep(max(0.0, wait - (time.monotonic() - started)))
        show_chapter(placeholders[data["key"]], data)
    bar.progress(1.0, text="Replayed at the recorded timings: every figure is the recorded one.")


def _replay_tokens(placeholder: Any, data: dict[str, Any]) -> None:
    """The first recorded answer written again, each token at its recorded time."""
    run = next((row for row in data["runs"] if row.get("ok") and row.get("token_times_s")), None)
    if run is None:
        return
    started, rows = time.monotonic(), []
    for number, at in enumerate(run["token_times_s"], start=1):
        time.sleep(max(0.0, at - (time.monotonic() - started)))
        rows.append({"run": "recorded", "token": number, "time_s": at, "ttft_s": run["ttft_s"]})
        with placeholder.container():
            st.markdown(escape_markdown("".join(run["token_texts"][:number])))
            st.vega_lite_chart(chapter_chart({"kind": "tokens", "metric": "ttft_s", "points": rows}), width="stretch")


def _recorded_tours() -> None:
    try:
        tours = engine().recorded_tours()
    except StoreError:
        return
    if not tours:
        return
    labels = {run.id: f"{run.created_at[:16].replace('T', ' ')} · {run.title} · {run.machine or '?'}"
              for run in tours}  # fmt: skip
    with st.expander("Open a recorded tour (for a demo on a machine that cannot measure well)"):
        chosen = st.selectbox("Recorded tours", list(labels), format_func=labels.get, key="tour_recorded")
        if st.button("Open", key="tour_open_recorded") and chosen:
            opened_from_link(chosen)


def _report() -> None:
    run: StoredRun | None = st.session_state.get(TOUR_RUN)
    measured = [_measured()[key] for key in _chapters() if key in _measured()]
    if run is None and not measured:
        return
    st.divider()

    reporting, quick = engine(), st.session_state.get(QUICK, True)

    def build() -> str:  # on click only (a report is about a megabyte), outside the page's script: no st calls
        return reporting.report(run) if run is not None else reporting.chapters_report(measured, quick)

    st.download_button("Download the report (HTML, opens offline)", build, "inference-lens-tour.html", "text/html",
                       icon=":material/download:", type="primary")  # fmt: skip


def render_tour() -> None:
    st.caption(QUESTION)
    st.session_state.setdefault(QUICK, True)
    chapters = engine().tour_chapters(st.session_state[QUICK])
    run_col, stop_col, quick_col = st.columns([1, 1, 3], vertical_alignment="center")
    whole = run_col.button("Run the whole tour", type="primary", icon=":material/route:")
    stop_col.button("Stop", icon=":material/stop:", help="Stops after the run in progress; finished chapters are kept")
    quick_col.toggle("Quick (fewer repeats, shorter answers)", key=QUICK)
    if collect(JOB, _keep_tour):  # Stop (or any click) during the tour: keep and save what it measured
        notice("info", "Stopped: the chapters measured so far are kept and saved.", icon=":material/stop_circle:")
    if whole:
        _run_whole_tour(len(chapters))
    report_save_errors(st.session_state.pop(state.SAVE_ERRORS, []))
    _recorded_tours()
    replaying = (run := st.session_state.get(TOUR_RUN)) is not None and _recorded(run)
    placeholders = {chapter.key: render_chapter(index, chapter, hold=replaying)
                    for index, chapter in enumerate(chapters, start=1)}  # fmt: skip
    if replaying:
        _replay(placeholders)
    _report()
