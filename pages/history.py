"""History: every saved run; open, compare, replay, export, import, delete."""

from __future__ import annotations

import streamlit as st

from inference_core.bundle import BundleError, dump_bundle, read_limited
from ui import state
from ui.history_view import render_run, render_together, replay
from ui.jobs import collect
from ui.resources import run_store
from ui.text import notice

CONFIRM_DELETE = "history_confirm_delete"

state.init_state()
store = run_store()
st.title("History")
st.caption(
    "Every comparison and every sweep is saved here as each lane finishes, with its prompt, settings, token "
    "timings, prices and machine. Open one, chart several together, replay one without its model, or move "
    "runs between machines as a bundle."
)

with st.expander("Import a bundle"):
    upload = st.file_uploader("Bundle (.json)", type=["json"], key="history_upload")
    if upload is not None and st.button("Import", icon=":material/upload:"):
        try:
            imported, present = store.import_bundle(read_limited(upload))
        except BundleError as exc:
            notice("error", f"Nothing was imported: {exc}")
        else:
            notice("success", f"Imported {imported} run(s); {present} were already here.")

search_col, model_col = st.columns([2, 3])
text = search_col.text_input("Search prompts and answers", key="history_text")
models = model_col.multiselect("Models", store.models(), key="history_models")
runs = store.list_runs(text=text, models=models)
if not runs:
    st.info("No saved runs" + (" match these filters." if text or models else " yet: run a comparison or a sweep."))
    st.stop()

labels = {
    run.id: f"{run.created_at[:19].replace('T', ' ')} · {run.kind} · {run.prompt[:60]!r} · "
    f"{run.lanes} lane(s), {', '.join(run.models)[:80]}"
    for run in runs
}
selected = st.multiselect(
    f"{len(runs)} run(s), newest first: choose one to open, several to chart together",
    list(labels),
    format_func=labels.get,
    key="history_selected",
)
selected = [run_id for run_id in selected if run_id in labels]

actions = st.columns([1.2, 1.2, 3])
exported_ids = list(selected or labels)
actions[0].download_button(
    f"Export {'selected' if selected else 'all shown'}",
    lambda: dump_bundle(store.export_bundle(exported_ids)),  # built on click only
    "inference-lens-runs.json",
    "application/json",
    icon=":material/download:",
)


def delete_pending() -> None:
    """Runs before the widgets are drawn, so it may clear the selection."""
    removed = store.delete_runs(st.session_state.pop(CONFIRM_DELETE, []))
    st.session_state["history_selected"] = []
    st.toast(f"Deleted {removed} run(s).")


if actions[1].button("Delete selected", icon=":material/delete:", disabled=not selected):
    st.session_state[CONFIRM_DELETE] = list(selected)
pending = st.session_state.get(CONFIRM_DELETE)
if pending:
    st.warning(f"Delete {len(pending)} run(s)? This cannot be undone.")
    yes, no = st.columns([1, 6])
    yes.button("Yes, delete", type="primary", on_click=delete_pending)
    no.button("Keep them", on_click=lambda: st.session_state.pop(CONFIRM_DELETE, None))

collect(state.REPLAY_JOB)
if len(selected) == 1:
    run = store.get_run(selected[0])
    if run is not None:
        render_run(run, st.session_state[state.UTILIZATION_PCT])
        replay(run)
elif len(selected) > 1:
    render_together([run for run_id in selected if (run := store.get_run(run_id)) is not None])
