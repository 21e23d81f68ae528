"""The History page's controls: importing a bundle, finding and picking runs, export and delete."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from inference_core import BundleError, read_limited
from inference_core.engine import StoreError
from inference_core.types import RunSummary
from ui.resources import engine, history_unreadable
from ui.text import notice, plural

CONFIRM_DELETE = "history_confirm_delete"
SELECTED = "history_selected"
_GENERATION = "history_table_generation"


def import_bundle() -> None:
    with st.expander("Import a bundle or a report"):
        upload = st.file_uploader("Bundle (.json) or report (.html)", type=["json", "html"], key="history_upload")
        if upload is None or not st.button("Import", icon=":material/upload:"):
            return
        try:
            imported, present = engine().import_bundle(read_limited(upload))
        except (BundleError, StoreError) as exc:
            notice("error", f"Nothing was imported: {exc}")
        else:
            notice("success", f"Imported {imported} run(s); {present} were already here.")


def find_runs() -> list[RunSummary]:
    """Runs matching the search fields; stops the page with a note when there are none."""
    search_col, model_col, machine_col = st.columns([2, 2, 2])
    text = search_col.text_input("Search prompts and answers", key="history_text")
    try:
        models = model_col.multiselect("Models", engine().history_models(), key="history_models")
        machines = machine_col.multiselect("Measured on", engine().history_machines(), key="history_machines",
                                           help="A shared history mixes machines: keep those to compare")  # fmt: skip
        runs = engine().runs(text=text, models=models, machines=machines)
    except StoreError as exc:
        history_unreadable(exc)
    if not runs:
        filtered = text or models or machines
        st.info("No saved runs" + (" match these filters." if filtered else " yet: run a comparison or a sweep."))
        st.stop()
    return runs


def runs_frame(runs: list[RunSummary]) -> pd.DataFrame:
    """One row per saved run; a sweep counts its runs, a comparison its lanes."""
    return pd.DataFrame([{
        "when (UTC)": run.created_at[:19].replace("T", " "),
        "kind": run.kind,
        "prompt": run.prompt[:120],
        "size": plural(run.lanes, "lane" if run.kind == "compare" else "run"),
        "finished": f"{run.ok_lanes} of {run.lanes}",
        "models": ", ".join(run.models),
        "measured on": run.machine + (f" ({run.deployment})" if run.deployment else ""),
    } for run in runs])  # fmt: skip


def pick_runs(runs: list[RunSummary]) -> list[str]:
    """A searchable table of runs (search above it, sort by any column); tick one to open, several to chart."""
    st.caption(f"{plural(len(runs), 'run')}, newest first: tick one to open it, several to chart them together.")
    event = st.dataframe(runs_frame(runs), hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="multi-row", key=f"{SELECTED}-{st.session_state.get(_GENERATION, 0)}",
                         column_config={"prompt": st.column_config.TextColumn(width="large")})  # fmt: skip
    return [runs[row].id for row in event.selection.rows if row < len(runs)]


def _delete_pending() -> None:
    """Runs before the widgets are drawn, so it may clear the selection (a new table key)."""
    try:
        removed = engine().delete_runs(st.session_state.pop(CONFIRM_DELETE, []))
    except StoreError as exc:
        history_unreadable(exc)
    st.session_state[_GENERATION] = st.session_state.get(_GENERATION, 0) + 1
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


def open_runs(run_ids: list[str]) -> list:
    """The chosen runs, whole (a run deleted meanwhile is left out)."""
    try:
        return [run for run_id in run_ids if (run := engine().run(run_id)) is not None]
    except StoreError as exc:
        history_unreadable(exc)
        return []
