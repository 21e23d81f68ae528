"""Models: the catalog, adding models and endpoints, and whether a model fits before loading it."""

from __future__ import annotations

import gc

import pandas as pd
import streamlit as st

from inference_core.catalog import ModelReferenceError, resolve_reference
from inference_core.catalog_file import remember
from inference_core.charts import estimate_chart
from inference_core.endpoints import Endpoint, EndpointError, Secret, check_base_url
from inference_core.estimate import available_memory_mb, estimate
from inference_core.memory import rss_mb
from inference_core.types import Settings
from inference_core.weights import clear_converted, is_converted
from ui import state
from ui.models_view import catalog_frame
from ui.resources import backend_context, catalog, operator
from ui.text import escape_markdown, notice

state.init_state()
pool = backend_context().pool
specs = catalog()
custom = []
for ref in st.session_state[state.CUSTOM_MODELS]:
    try:
        custom.append(resolve_reference(ref, specs))
    except ModelReferenceError as exc:
        notice("warning", f"{ref}: {exc}")

st.title("Models")
st.caption(
    f"This process holds {rss_mb():,.0f} MB; {available_memory_mb():,.0f} MB are free. Streamlit Community Cloud "
    "gives an app between about 0.7 and 2.7 GB, so check the estimate before loading a larger model."
)
st.dataframe(catalog_frame([*specs, *custom], pool), hide_index=True, width="stretch",
             column_config={"on_disk_mb": st.column_config.NumberColumn("on disk (MB)", format="%.0f"),
                            "loaded_mb": st.column_config.NumberColumn("loaded now (MB)", format="%.0f")})  # fmt: skip

st.subheader("Will it fit?")
local = [s for s in [*specs, *custom] if s.source not in ("endpoint", "replay")]
pick_col, context_col = st.columns([3, 1])
chosen = pick_col.multiselect("Models", [s.key for s in local], default=[s.key for s in local if s.available][:2],
                              format_func=lambda k: next(s.name for s in local if s.key == k))  # fmt: skip
context = context_col.number_input("Context (tokens)", 1, 131072, 2048, step=256, key="estimate_context")
rows = []
for key in chosen:
    spec = next(s for s in local if s.key == key)
    for settings in (Settings(), Settings(dtype="bfloat16"), Settings(quantize="int8")):
        try:
            found = estimate(spec, settings, context=int(context))
        except (OSError, ValueError) as exc:
            notice("warning", f"{spec.name}: no estimate ({(str(exc).splitlines() or [''])[0][:160]})")
            break
        rows.append({"model": spec.name, "weights": "int8" if settings.quantize == "int8" else settings.dtype,
                     **{k: v for k, v in found.to_dict().items() if k.endswith("_mb") or k == "verdict"}})  # fmt: skip
if rows:
    estimates = pd.DataFrame(rows)
    st.altair_chart(estimate_chart(estimates), width="stretch")
    megabytes = {c: st.column_config.NumberColumn(format="%.0f") for c in rows[0] if c.endswith("_mb")}
    st.dataframe(estimates, hide_index=True, width="stretch", column_config=megabytes)
    st.caption(
        "Weights from an empty (meta-device) model built from the config; KV cache = 2 x layers x kv_heads x "
        "head_dim x bytes x context; overhead = 100 MB + 1.3 KB per vocabulary entry (the tokenizer). Fits: at "
        "most 70% of free memory; tight: up to 90%. Every load is checked the same way and refused when it would "
        "not fit."
    )

st.subheader("Add a model")
with st.form("add_model", clear_on_submit=False):
    ref = st.text_input("Reference", placeholder="hf:ORG/NAME[@revision], local:/path/to/dir, gguf:/path/file.gguf")
    keep = st.checkbox("Keep it in my catalog file (for later sessions)")
    if st.form_submit_button("Add"):
        try:
            spec = resolve_reference(ref, specs)
        except ModelReferenceError as exc:
            notice("error", str(exc))
        else:
            if spec.key not in st.session_state[state.CUSTOM_MODELS] and spec not in specs:
                st.session_state[state.CUSTOM_MODELS].append(spec.key)
            if keep:
                remember(spec.key)
            notice("success", f"Added {spec.name}: it is now in every page's model pickers.")

st.subheader("Add an endpoint")
st.caption("Any OpenAI-compatible server: vLLM, TGI, Ollama, llama.cpp's server or a hosted API. The key stays in "
           "this browser session only: it is never saved, exported, put in a link or shown again.")  # fmt: skip
with st.form("add_endpoint", clear_on_submit=True):
    cols = st.columns([1, 2, 1.5, 1.5])
    name = cols[0].text_input("Name", placeholder="my-vllm")
    base_url = cols[1].text_input("Base URL", placeholder="https://host:8000/v1")
    model = cols[2].text_input("Model", placeholder="Qwen/Qwen2.5-7B-Instruct")
    key = cols[3].text_input("API key (optional)", type="password")
    if st.form_submit_button("Add endpoint"):
        try:
            if not (name.strip() and model.strip()):
                raise EndpointError("give the endpoint a name and a model")
            url = check_base_url(base_url, allow_private=operator().allow_private_endpoints).base_url
            endpoint = Endpoint(name.strip(), url, model.strip(), api_key=Secret(key) if key else None)
            resolve_reference(endpoint.ref)
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

st.subheader("Loaded models and caches")
for loaded in pool.loaded():
    col_name, col_button = st.columns([4, 1], vertical_alignment="center")
    col_name.markdown(f"**{escape_markdown(loaded.spec.name)}** · {' / '.join(loaded.settings_key)} · "
                      f"{loaded.weights_mb:,.0f} MB")  # fmt: skip
    if col_button.button("Unload", key=f"unload-{loaded.spec.key}-{'-'.join(loaded.settings_key)}"):
        before = rss_mb()
        pool.unload(loaded.spec.key)
        del loaded
        gc.collect()
        st.toast(f"Unloaded: resident memory {before:,.0f} MB -> {rss_mb():,.0f} MB")
        st.rerun()
if not pool.loaded():
    st.caption("No model is loaded in this server process.")
for spec in [s for s in specs if s.source in ("packaged", "gguf") and is_converted(s)]:
    col_name, col_button = st.columns([4, 1], vertical_alignment="center")
    col_name.markdown(f"Converted cache of **{spec.name}**")
    if col_button.button("Clear", key=f"clear-{spec.key}", help="The next load converts the GGUF again"):
        pool.unload(spec.key)
        clear_converted(spec)
        st.toast(f"Cleared the converted cache of {spec.name}.")
        st.rerun()
