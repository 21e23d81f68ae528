"""Models: the catalog, adding models and endpoints, and whether a model fits before loading it."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.models_view import (
    add_endpoint_form,
    add_model_form,
    catalog_table,
    engines_table,
    loaded_and_caches,
    session_models,
    size_ladder_table,
    will_it_fit,
)

state.init_state()
models = session_models()
st.title(state.heading("models"))
catalog_table(models)
engines_table()
size_ladder_table()
will_it_fit(models)
add_model_form()
add_endpoint_form()
loaded_and_caches()
