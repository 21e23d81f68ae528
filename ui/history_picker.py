"""The History page's controls: importing a bundle, finding and picking runs, export and delete."""

from __future__ import annotations

import streamlit as st

from inference_core.bundle import BundleError, read_limited
from inference_core.types import RunSummary
from ui.resources import engine
from ui.text import notice

CONFIRM_DELETE = "history_confirm_delete"
SELECTED = "history_selected"


def import_bundle() -> None:
    with st.expander("Import a bundle"):
        upload = st.file_uploader("Bundle (.json)", type=["json"], key="history_upload")
        if upload is None or not st.button("Import", icon=":material/upload:"):
            return
        try:
            imported, present = engine().import_bundle(read_limited(upload))
        except BundleError as exc:
            notice("error", f"Nothing was imported: {exc}")
        else:
            notice("success", f"Imported {imported} run(s); {present} were already here.")


def find_runs() -> list[RunSummary]:
    """Runs matching the search fields; stops the page with a note when there are none."""
    search_col, model_col = st.columns([2, 3])
    text = search_col.text_input("Search prompts and answers", key="history_text")
    models = model_col.multiselect("Models", engine().history_models(), key="history_models")
    runs = engine().runs(text=text, models=models)
    if not runs:
        st.info("No saved runs" + (" match these filters." if text or models else " yet: run a comparison or a sweep."))
        st.stop()
    return runs


def pick_runs(runs: list[RunSummary]) -> list[str]:
    labels = {
        run.id: f"{run.created_at[:19].replace('T', ' ')} · {run.kind} · {run.prompt[:60]!r} · "
        f"{run.lanes} lane(s), {', '.join(run.models)[:80]}"
        for run in runs
    }
    selected = st.multiselect(f"{len(runs)} run(s), newest first: choose one to open, several to chart together",
                              list(labels), format_func=labels.get, key=SELECTED)  # fmt: skip
    return [run_id for run_id in selected if run_id in labels]


def _delete_pending() -> None:
    """Runs before the widgets are drawn, so it may clear the selection."""
    removed = engine().delete_runs(st.session_state.pop(CONFIRM_DELETE, []))
    st.session_state[SELECTED] = []
    st.toast(f"Deleted {removed} run(s).")


def export_and_delete(selected: list[str], shown: list[RunSummary]) -> None:
    actions = st.columns([1.2, 1.2, 3])
    exported_ids = list(selected or [run.id for run in shown])
    actions[0].download_button(
        f"Export {'selected' if selected else 'all shown'}",
        lambda: engine().export_bundle(exported_ids),  # built on click only
        "inference-lens-runs.json", "application/json", icon=":material/download:",
    )  # fmt: skip
    if actions[1].button("Delete selected", icon=":material/delete:", disabled=not selected):
        st.session_state[CONFIRM_DELETE] = list(selected)
    pending = st.session_state.get(CONFIRM_DELETE)
    if pending:
        st.warning(f"Delete {len(pending)} run(s)? This cannot be undone.")
        yes, no = st.columns([1, 6])
        yes.button("Yes, delete", type="primary", on_click=_delete_pending)
        no.button("Keep them", on_click=lambda: st.session_state.pop(CONFIRM_DELETE, None))
