"""The Compare page's inputs: examples, prompt, lane rows, mode and the Run / Stop buttons."""

from __future__ import annotations

from typing import Any

import streamlit as st

from inference_core import EXAMPLE_TOKENS, EXAMPLES, MODE_HELP, load_label
from inference_core.types import ATTENTIONS, CACHES, DECODERS, DTYPES, ENGINES, Settings
from ui import state
from ui.resources import catalog, engine, engine_problem
from ui.text import escape_markdown

ENGINE_HELP = (
    "transformers dequantizes a GGUF to float and runs it in PyTorch; llama.cpp runs the GGUF file's own "
    "quantized weights (packaged models and gguf: references)"
)
MODEL_HELP = (
    "A catalog model, or type a reference: hf:ORG/NAME[@rev], local:/dir, gguf:/file.gguf, "
    "openai:MODEL@https://host/v1 (endpoints and their keys: Models page), replay:RUN_ID/LANE"
)


def engine_label(engine: str) -> str:
    """An engine's name, marked when it is not installed here."""
    return f"{engine} (not installed)" if engine_problem(engine) else engine


def _use_example() -> None:
    choice = st.session_state.get("example")
    if choice:
        st.session_state[state.PROMPT] = EXAMPLES[choice]
    if choice in EXAMPLE_TOKENS:  # the example's length on every lane, within the operator's limit
        tokens = min(EXAMPLE_TOKENS[choice], engine().bounds("max_new_tokens").high)
        for lane_id in st.session_state[state.LANE_IDS]:
            st.session_state[state.lane_key(lane_id, "max_new_tokens")] = tokens


def prompt_and_buttons() -> tuple[bool, Any]:
    """Examples, the prompt with Run and Stop beside it, and a slot just below them for their messages.

    Returns (Run clicked, the message slot); Stop only interrupts (the page collects the job)."""
    st.pills("Examples", list(EXAMPLES), key="example", on_change=_use_example, label_visibility="collapsed")
    prompt_col, buttons_col = st.columns([6, 1], vertical_alignment="bottom")
    prompt_col.text_area("Prompt", key=state.PROMPT, height=96, placeholder="Ask something, or pick an example above.")
    clicked = buttons_col.button("Run", type="primary", icon=":material/play_arrow:", width="stretch")
    buttons_col.button("Stop", icon=":material/stop:", help="Stops every lane; what was generated is kept",
                       width="stretch")  # fmt: skip
    return clicked, st.container()


def _lane_row(number: int, lane_id: int, names: dict[str, str], choices: list[str]) -> None:
    def key(field: str) -> str:
        return state.lane_key(lane_id, field)

    options = list(dict.fromkeys([*choices, st.session_state[key("model")]]))
    cols = st.columns([0.2, 2.1, 1.4, 1.1, 1.0, 1.2, 1.2, 0.9, 0.6, 0.6], vertical_alignment="bottom")
    cols[0].markdown(f"**{number}**")
    cols[1].selectbox("Model", options, key=key("model"), format_func=lambda ref: names.get(ref, ref),
                      accept_new_options=True, help=MODEL_HELP)  # fmt: skip
    cols[2].selectbox("Engine", list(ENGINES), key=key("engine"), format_func=engine_label, help=ENGINE_HELP)
    llama = st.session_state[key("engine")] == "llama.cpp"
    cols[3].selectbox("dtype", [d for d in DTYPES if d != "float16"], key=key("dtype"), disabled=llama,
                      help="llama.cpp runs the GGUF file's own quantization" if llama else None)  # fmt: skip
    cols[4].toggle("int8", key=key("int8"), disabled=llama,
                   help="Dynamic int8 quantization of Linear layers (transformers, CPU, float32)")  # fmt: skip
    low, high, _ = Settings.bounds("max_new_tokens")  # past the operator's limit: the engine says so on Run
    cols[5].number_input("Max new tokens", low, high, key=key("max_new_tokens"),
                         help=f"This deployment allows at most {engine().limits.max_new_tokens:,}")  # fmt: skip
    low, high, _ = engine().bounds("temperature")
    cols[6].number_input("Temperature", float(low), float(high), step=0.1, key=key("temperature"), help="0 = greedy")
    low, high, _ = engine().bounds("seed")
    cols[7].number_input("Seed", low, min(high, 2**53 - 1), key=key("seed"))  # a browser's integers stop at 2**53
    runtime_help = "Runtime options: attention, KV cache, compile, decoder, threads"
    with cols[8].popover("", icon=":material/tune:", help=runtime_help):
        _runtime_options(key, llama)
    cols[9].button(":material/close:", key=key("remove"), help="Remove this lane", on_click=state.remove_lane,
                   args=(lane_id,), disabled=len(st.session_state[state.LANE_IDS]) <= 1)  # fmt: skip


def _runtime_options(key, llama: bool) -> None:
    """The transformers runtime options of one lane (measured against each other on Experiments)."""
    st.selectbox("Attention", list(ATTENTIONS), key=key("attention"), disabled=llama,
                 help="sdpa: PyTorch's fused scaled_dot_product_attention; eager: plain matmuls")  # fmt: skip
    st.selectbox("KV cache", list(CACHES), key=key("cache"), disabled=llama,
                 help="static: allocated once at full length (needed by torch.compile)")  # fmt: skip
    static = st.session_state[key("cache")] == "static"
    st.toggle("torch.compile", key=key("compile"), disabled=llama or not static,
              help="Compiles the forward pass at load (minutes here, timed apart); static cache only")  # fmt: skip
    st.selectbox("Decoder", list(DECODERS), key=key("decoder"), disabled=llama,
                 help="fused: one fused loop over the same float32 weights (Llama-family models on the CPU; others "
                      "run generate); generate: transformers' own generate loop and modules")  # fmt: skip
    st.number_input("Threads (0 = all cores)", 0, engine().bounds("threads")[1], key=key("threads"),
                    help="torch's threads are process-wide: meaningful one lane at a time")  # fmt: skip


def lane_summary(lanes: list[state.LaneInput], names: dict[str, str]) -> str:
    """One line naming every lane: ``1. SmolLM2 135M Instruct · float32 · max 48``."""
    parts = []
    for number, lane in enumerate(lanes, start=1):
        name = names.get(lane.ref, lane.ref).split(" (")[0]
        if lane.settings is None:
            parts.append(f"{number}. {name} (invalid: {lane.error})")
            continue
        parts.append(f"{number}. {name} · {load_label(lane.settings)} · max {lane.settings.max_new_tokens}")
    return "   ".join(parts)


def lane_editor(names: dict[str, str], choices: list[str]) -> list[state.LaneInput]:
    """The lanes in one line, and their editor (with the mode) in an expander, so answers stay in view."""
    st.caption(escape_markdown(lane_summary(state.lane_inputs(), names)))
    with st.expander("Lanes: models, engines, settings and mode", icon=":material/tune:"):
        lanes = lane_rows(names, choices)
        mode_input()
    return lanes


def lane_rows(names: dict[str, str], choices: list[str]) -> list[state.LaneInput]:
    """One row of widgets per lane, the Add lane button; returns the lanes as typed."""
    st.caption("Each lane is a model with its settings; add the same model twice to compare settings.")
    for number, lane_id in enumerate(st.session_state[state.LANE_IDS], start=1):
        _lane_row(number, lane_id, names, choices)
    lanes = state.lane_inputs()
    add_col, info_col = st.columns([1, 4], vertical_alignment="center")
    last = lanes[-1] if lanes else None
    copied = (last.ref, last.settings) if last and last.settings else (choices[0], state.default_settings())
    add_col.button("Add lane", icon=":material/add:", disabled=len(lanes) >= state.max_lanes(),
                   on_click=state.add_lane, args=copied)  # fmt: skip
    unavailable = [spec for spec in catalog() if not spec.available]
    if unavailable:
        with info_col.expander(f"{len(unavailable)} catalog models are not available on this machine"):
            for spec in unavailable:
                st.markdown(escape_markdown(f"- {spec.name} ({spec.params_m:,.0f}M parameters): "
                                            f"{spec.unavailable_reason}"))  # fmt: skip
    return lanes


def mode_input() -> None:
    st.radio(
        "Mode", list(MODE_HELP), key=state.MODE, horizontal=True,
        format_func=lambda mode: {"sequential": "One lane at a time (fair)", "race": "All at once (race)"}[mode],
        captions=list(MODE_HELP.values()),
        help="On a small machine lanes running at once share its few cores and its memory bandwidth, "
        "so each looks slower than it is: one at a time is the fair default.",
    )  # fmt: skip
    st.toggle(
        "Unload each model after its lane", key=state.UNLOAD_AFTER,
        disabled=st.session_state[state.MODE] != "sequential",
        help="For small machines: load a lane's model, run it, unload it before the next lane, so a comparison "
        "larger than memory still completes (each lane then pays its load time).",
    )  # fmt: skip


def share_links(lanes: list[state.LaneInput], run_id: str | None) -> None:
    """Sharing is the address bar: this setup as a link, and the last run's own link (copy icon on each)."""
    with st.expander("Share", icon=":material/link:", expanded=bool(run_id)):
        if run_id:
            st.caption("This run, as it was measured: opens its answers, figures and charts without running anything.")
            st.code(state.run_link(run_id), language=None, wrap_lines=True)
        st.caption("This setup (prompt, lanes, mode): opens the Compare page ready to run.")
        st.code(state.setup_link(lanes), language=None, wrap_lines=True)
