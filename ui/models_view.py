"""The Models page's sections: the catalog, will it fit, adding models and endpoints, loaded models and caches."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from inference_core import (
    Endpoint,
    EndpointError,
    ModelReferenceError,
    ModelStatus,
    Secret,
    available_memory_mb,
    check_base_url,
    estimate_chart,
    load_label,
    remember,
    resolve_reference,
    rss_mb,
)
from inference_core.types import ENGINES, ModelSpec, Settings
from ui import state
from ui.layout import bounded_number
from ui.resources import catalog, engine, ladder_fits, operator
from ui.text import escape_markdown, notice

ESTIMATE_CAPTION = (
    "Weights from an empty (meta-device) model built from the config; KV cache = 2 x layers x kv_heads x "
    "head_dim x bytes x context; overhead = 100 MB + 1.3 KB per vocabulary entry (the tokenizer). Fits: at "
    "most 70% of free memory; tight: up to 90%. Every load is checked the same way and refused when it would "
    "not fit."
)


def catalog_frame(statuses: list[ModelStatus]) -> pd.DataFrame:
    rows = [
        {
            "model": s.spec.name,
            "reference": s.spec.key,
            "params_m": s.spec.params_m,
            "license": s.spec.license,
            "source": s.spec.source,
            "context": s.spec.context_length,
            "on_disk_mb": s.on_disk_mb,
            "available": "yes" if s.spec.available else f"no: {s.spec.unavailable_reason}",
            "converted": "yes" if s.converted else "",
            "loaded_mb": s.loaded_mb,
        }
        for s in statuses
    ]
    return pd.DataFrame(rows)


def session_models() -> list[ModelSpec]:
    """The catalog and the models this session added (a reference that stopped resolving is reported)."""
    specs = catalog()
    custom = []
    for ref in st.session_state[state.CUSTOM_MODELS]:
        try:
            custom.append(resolve_reference(ref, specs))
        except ModelReferenceError as exc:
            notice("warning", f"{ref}: {exc}")
    return [*specs, *custom]


def catalog_table(models: list[ModelSpec]) -> None:
    st.caption(
        f"This process holds {rss_mb():,.0f} MB; {available_memory_mb():,.0f} MB are free. Streamlit Community Cloud "
        "gives an app between about 0.7 and 2.7 GB, so check the estimate before loading a larger model."
    )
    config = {"on_disk_mb": st.column_config.Column("on disk (MB)"), "loaded_mb": st.column_config.Column(
              "loaded now (MB)"), "params_m": st.column_config.Column("parameters (M)"),
              "available": st.column_config.TextColumn("available", width="large")}  # fmt: skip
    frame = catalog_frame(engine().inventory(models))
    numbers = ["params_m", "on_disk_mb", "loaded_mb"]
    for column in numbers:
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    shown = frame.style.format(dict.fromkeys(numbers, "{:,.0f}"), na_rep="n/a")  # unknown: never "None"
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)


def _estimate_rows(spec: ModelSpec, context: int) -> list[dict]:
    rows = []
    for settings in (Settings(), Settings(dtype="bfloat16"), Settings(quantize="int8")):
        try:
            found = engine().estimate(spec, settings, context=context)
        except (OSError, ValueError) as exc:
            notice("warning", f"{spec.name}: no estimate ({(str(exc).splitlines() or [''])[0][:160]})")
            break
        figures = {k: v for k, v in found.to_dict().items() if k.endswith("_mb") or k == "verdict"}
        rows.append({"model": spec.name, "weights": load_label(settings), **figures})
    return rows


def size_ladder_table() -> None:
    """Which sizes this machine and a Community Cloud app can hold, per dtype."""
    st.subheader("Which sizes fit")
    rows = pd.DataFrame(ladder_fits())
    if rows.empty:
        return
    wide = rows.pivot_table(index=["model", "params_m"], columns="dtype", values=["needs_mb", "this_machine",
                            "community_cloud"], aggfunc="first", sort=False)  # fmt: skip
    wide.columns = [f"{dtype} {what.replace('_', ' ')}" for what, dtype in wide.columns]
    wide = wide.reset_index().sort_values("params_m")
    order = ["model", "params_m"] + [f"{d} {w}" for d in ("float32", "bfloat16")
                                     for w in ("needs mb", "this machine", "community cloud")]  # fmt: skip
    config = {column: st.column_config.NumberColumn(column.replace("mb", "(MB)"), format="%,.0f")
              for column in order if column.endswith("needs mb")}  # fmt: skip
    config["params_m"] = st.column_config.NumberColumn("parameters (M)", format="%,.0f")
    st.dataframe(wide[[c for c in order if c in wide]], hide_index=True, width="stretch", column_config=config)
    st.caption(f"Estimated as below (weights + KV cache for {engine().bounds('context').default:,} tokens + "
               f"overhead). Here: "
               f"{available_memory_mb():,.0f} MB free; a Community Cloud app: about 2,700 MB. Models marked "
               "shape only carry their real architecture with random weights: measured speed and memory are "
               "that size's, the text they write is noise.")  # fmt: skip


def will_it_fit(models: list[ModelSpec]) -> None:
    st.subheader("Will it fit?")
    local = [s for s in models if s.source not in ("endpoint", "replay")]
    pick_col, context_col = st.columns([3, 1])
    chosen = pick_col.multiselect("Models", [s.key for s in local], default=[s.key for s in local if s.available][:2],
                                  format_func=lambda k: next(s.name for s in local if s.key == k))  # fmt: skip
    context = bounded_number(context_col, "Context (tokens)", engine().bounds("context"), step=256,
                             key="estimate_context")  # fmt: skip
    rows = [row for key in chosen for row in _estimate_rows(next(s for s in local if s.key == key), int(context))]
    if not rows:
        return
    estimates = pd.DataFrame(rows)
    st.altair_chart(estimate_chart(estimates), width="stretch")
    megabytes = {c: st.column_config.NumberColumn(format="%.0f") for c in rows[0] if c.endswith("_mb")}
    st.dataframe(estimates, hide_index=True, width="stretch", column_config=megabytes)
    st.caption(ESTIMATE_CAPTION)


def add_model_form() -> None:
    st.subheader("Add a model")
    with st.form("add_model", clear_on_submit=False):
        ref = st.text_input("Reference", placeholder="hf:ORG/NAME[@revision], local:/path/to/dir, gguf:/path/file.gguf")
        keep = operator().operator_actions and st.checkbox("Keep it in the catalog file (for every later session)")
        if not st.form_submit_button("Add"):
            return
        try:
            spec = resolve_reference(ref, catalog())
        except ModelReferenceError as exc:
            notice("error", str(exc))
            return
        if spec.key not in st.session_state[state.CUSTOM_MODELS] and spec not in catalog():
            st.session_state[state.CUSTOM_MODELS].append(spec.key)
        if keep:
            remember(spec.key)
        notice("success", f"Added {spec.name}: it is now in every page's model pickers.")


def _new_endpoint(name: str, base_url: str, model: str, key: str) -> Endpoint:
    """A session endpoint from the form; EndpointError or ModelReferenceError says what is wrong."""
    if not (name.strip() and model.strip()):
        raise EndpointError("give the endpoint a name and a model")
    url = check_base_url(base_url, allow_private=operator().allow_private_endpoints).base_url
    endpoint = Endpoint(name.strip(), url, model.strip(), api_key=Secret(key) if key else None)
    resolve_reference(endpoint.ref)
    return endpoint


def add_endpoint_form() -> None:
    st.subheader("Add an endpoint")
    st.caption("Any OpenAI-compatible server: vLLM, TGI, Ollama, llama.cpp's server or a hosted API. The key stays "
               "in this browser session only: it is never saved, exported, put in a link or shown again.")  # fmt: skip
    with st.form("add_endpoint", clear_on_submit=True):
        cols = st.columns([1, 2, 1.5, 1.5])
        name = cols[0].text_input("Name", placeholder="my-vllm")
        base_url = cols[1].text_input("Base URL", placeholder="https://host:8000/v1")
        model = cols[2].text_input("Model", placeholder="Qwen/Qwen2.5-7B-Instruct")
        key = cols[3].text_input("API key (optional)", type="password")
        if st.form_submit_button("Add endpoint"):
            try:
                endpoint = _new_endpoint(name, base_url, model, key)
            except (EndpointError, ModelReferenceError) as exc:
                notice("error", str(exc))
            else:
                st.session_state[state.ENDPOINTS] = [*st.session_state[state.ENDPOINTS], endpoint]
                if endpoint.ref not in st.session_state[state.CUSTOM_MODELS]:
                    st.session_state[state.CUSTOM_MODELS].append(endpoint.ref)
                notice("success", f"Added {endpoint.name} ({endpoint.model}); pick it as a lane on Compare.")
    for endpoint in st.session_state[state.ENDPOINTS]:
        st.markdown(f"- **{escape_markdown(endpoint.name)}**: {escape_markdown(endpoint.model)} at "
                    f"{escape_markdown(endpoint.base_url)}{' (with a key)' if endpoint.api_key else ''}")  # fmt: skip


OPERATOR_ONLY = (
    "Unloading models and clearing caches act on the whole server, for every visitor: they are the operator's. "
    "An operator enables them with `INFERENCE_LENS_OPERATOR_ACTIONS=1` or `operator_actions = true` under "
    "`[inference_lens]` in the app's secrets."
)


def loaded_and_caches() -> None:
    st.subheader("Loaded models and caches")
    loaded = engine().loaded()
    if not operator().operator_actions:
        for model in loaded:
            st.markdown(f"- **{escape_markdown(model.name)}** · {' / '.join(model.load_key)} · "
                        f"{model.weights_mb:,.0f} MB")  # fmt: skip
        if not loaded:
            st.caption("No model is loaded in this server process.")
        st.caption(OPERATOR_ONLY)
        return
    for model in loaded:
        col_name, col_button = st.columns([4, 1], vertical_alignment="center")
        col_name.markdown(f"**{escape_markdown(model.name)}** · {' / '.join(model.load_key)} · "
                          f"{model.weights_mb:,.0f} MB")  # fmt: skip
        if col_button.button("Unload", key=f"unload-{model.key}-{'-'.join(model.load_key)}"):
            before = rss_mb()
            engine().unload(model.key)
            st.toast(f"Unloaded: resident memory {before:,.0f} MB -> {rss_mb():,.0f} MB")
            st.rerun()
    if not loaded:
        st.caption("No model is loaded in this server process.")
    for spec in [s for s in catalog() if engine().converted(s)]:
        col_name, col_button = st.columns([4, 1], vertical_alignment="center")
        col_name.markdown(f"Converted cache of **{escape_markdown(spec.name)}**")
        if col_button.button("Clear", key=f"clear-{spec.key}", help="The next load converts the GGUF again"):
            engine().clear_cache(spec)
            notice("toast", f"Cleared the converted cache of {spec.name}.")
            st.rerun()


ENGINE_NOTES = {
    "transformers": "PyTorch; a GGUF is dequantized to float once (float32, bfloat16, int8 dynamic quantization)",
    "llama.cpp": "runs the GGUF file's own quantized weights (packaged models and gguf: references)",
}


def engines_table() -> None:
    st.subheader("Engines")
    rows = [{"engine": name, "runs": ENGINE_NOTES[name],
             "available": "yes" if not (problem := engine().engine_problem(name)) else f"no: {problem}"}
            for name in ENGINES]  # fmt: skip
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
