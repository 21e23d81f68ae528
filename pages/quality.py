"""Tokens & quality: how text becomes tokens, why a fluent answer can be wrong, and what a correct answer costs."""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.jobs import collect
from ui.quality_view import EVAL_JOB, EVAL_ROWS, apply_link, confidence_tab, quality_tab, samples_tab, tokens_tab

state.init_state()
st.title(state.heading("quality"))
collect(EVAL_JOB, lambda job: st.session_state.update({EVAL_ROWS: job.rows}))
apply_link()
tokens, confidence, samples, quality = st.tabs(["Tokens", "Confidence", "Same prompt, different answers", "Quality"])
with tokens:
    tokens_tab()
with confidence:
    confidence_tab()
with samples:
    samples_tab()
with quality:
    quality_tab()
