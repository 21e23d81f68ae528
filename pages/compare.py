"""Compare: one prompt, several models, answers streamed side by side with live figures."""

from __future__ import annotations

import streamlit as st

from inference_core.pricing import default_pricer
from inference_core.prompts import EXAMPLES
from inference_core.runner import MODE_HELP, Comparison, Lane
from inference_core.store import RunRecorder
from inference_core.types import DTYPES
from ui import state
from ui.compare_view import render_results, stream
from ui.jobs import collect, finish, report_save_errors, watch
from ui.resources import catalog, model_choices, operator_problems, run_store, session_context
from ui.text import escape_markdown, notice

state.init_state()
names, choices = model_choices()

st.title("Compare models")
st.caption(
    "One prompt, several models or settings, answered side by side. Every figure is measured where "
    "the token is produced, not where it is drawn."
)
for message in st.session_state[state.LINK_ERRORS]:
    notice("warning", message)


def use_example() -> None:
    choice = st.session_state.get("example")
    if choice:
        st.session_state[state.PROMPT] = EXAMPLES[choice]


st.pills("Examples", list(EXAMPLES), key="example", on_change=use_example)
st.text_area("Prompt", key=state.PROMPT, height=120, placeholder="Ask something, or pick an example above.")

st.subheader("Lanes")
st.caption("Each lane is a model with its settings; add the same model twice to compare settings.")
for number, lane_id in enumerate(st.session_state[state.LANE_IDS], start=1):
    key = lambda field, lane_id=lane_id: state.lane_key(lane_id, field)  # noqa: E731
    options = list(dict.fromkeys([*choices, st.session_state[key("model")]]))
    cols = st.columns([0.25, 3, 1.3, 1, 1.2, 1.1, 0.9, 0.5], vertical_alignment="bottom")
    cols[0].markdown(f"**{number}**")
    cols[1].selectbox(
        "Model",
        options,
        key=key("model"),
        format_func=lambda ref: names.get(ref, ref),
        accept_new_options=True,
        help="A catalog model, or type a reference: hf:ORG/NAME[@rev], local:/dir, gguf:/file.gguf, "
        "openai:MODEL@https://host/v1 (endpoints and their keys: Models page), replay:RUN_ID/LANE",
    )
    cols[2].selectbox("dtype", [d for d in DTYPES if d != "float16"], key=key("dtype"))
    cols[3].toggle("int8", key=key("int8"), help="Dynamic int8 quantization of Linear layers (CPU, float32)")
    cols[4].number_input("Max new tokens", 1, 4096, key=key("max_new_tokens"))
    cols[5].number_input("Temperature", 0.0, 2.0, step=0.1, key=key("temperature"), help="0 = greedy")
    cols[6].number_input("Seed", 0, 2**31 - 1, key=key("seed"))
    cols[7].button(
        ":material/close:",
        key=key("remove"),
        help="Remove this lane",
        on_click=state.remove_lane,
        args=(lane_id,),
        disabled=len(st.session_state[state.LANE_IDS]) <= 1,
    )

lanes = state.lane_inputs()
add_col, info_col = st.columns([1, 4], vertical_alignment="center")
add_col.button(
    "Add lane",
    icon=":material/add:",
    disabled=len(lanes) >= state.MAX_LANES,
    on_click=state.add_lane,
    args=(
        lanes[-1].ref if lanes else choices[0],
        lanes[-1].settings if lanes and lanes[-1].settings else state.DEFAULT_SETTINGS,
    ),
)
unavailable = [spec for spec in catalog() if not spec.available]
if unavailable:
    with info_col.expander(f"{len(unavailable)} catalog models are not available on this machine"):
        for spec in unavailable:
            st.markdown(escape_markdown(f"- {spec.name} ({spec.params_m:,.0f}M parameters): {spec.unavailable_reason}"))

st.radio(
    "Mode",
    list(MODE_HELP),
    key=state.MODE,
    horizontal=True,
    format_func=lambda mode: {"sequential": "One lane at a time (fair)", "race": "All at once (race)"}[mode],
    captions=list(MODE_HELP.values()),
    help="On a small machine lanes running at once share its few cores and its memory bandwidth, "
    "so each looks slower than it is: one at a time is the fair default.",
)
st.toggle(
    "Unload each model after its lane",
    key=state.UNLOAD_AFTER,
    disabled=st.session_state[state.MODE] != "sequential",
    help="For small machines: load a lane's model, run it, unload it before the next lane, so a comparison "
    "larger than memory still completes (each lane then pays its load time).",
)
state.save_link(lanes)

run_col, stop_col, _ = st.columns([1, 1, 4])
run_clicked = run_col.button("Run", type="primary", icon=":material/play_arrow:")
stop_col.button("Stop", icon=":material/stop:", help="Stops every lane; what was generated is kept")
prompt = st.session_state[state.PROMPT]


def collect_job() -> bool:
    """Stop the session's running comparison, if any, and keep what its lanes produced.

    A click during a run stops the script at its next element; the next run collects
    the job here, so nothing generated is lost.
    """
    job: Comparison | None = collect(state.JOB)
    if job is None:
        return False
    st.session_state[state.RESULTS] = job.finished_results()
    st.session_state[state.RESULTS_PROMPT] = job.prompt
    return True


interrupted = collect_job()
if run_clicked:
    bad = [f"Lane {n}: {lane.error}" for n, lane in enumerate(lanes, start=1) if lane.error]
    bad += operator_problems(prompt, [(lane.ref, lane.settings.max_new_tokens) for lane in lanes if lane.settings])
    if not prompt.strip():
        st.warning("Type a prompt first (it cannot be empty or only spaces).", icon=":material/edit:")
    elif bad:
        for message in bad:
            notice("error", message)
    else:
        hourly, utilization_pct = st.session_state[state.HOURLY_USD], st.session_state[state.UTILIZATION_PCT]
        recorder = RunRecorder(
            run_store(),
            "compare",
            prompt,
            meta={"mode": st.session_state[state.MODE], "lanes": [lane.link_value() for lane in lanes],
                  "hourly_usd": hourly, "utilization_pct": utilization_pct},
        )  # fmt: skip
        st.session_state[state.SAVE_ERRORS] = recorder.errors
        job = Comparison(
            prompt,
            [Lane(lane.ref, lane.settings) for lane in lanes],
            context=session_context(),
            mode=st.session_state[state.MODE],
            finalize=default_pricer(hourly, utilization_pct / 100),
            on_result=recorder,
            unload_after=st.session_state[state.UNLOAD_AFTER],
        )
        titles = [f"{n}. {names.get(lane.ref, lane.ref)}" for n, lane in enumerate(lanes, start=1)]
        watch(state.JOB, job, lambda running: stream(running, titles))
        collect_job()
        finish(job, "comparison")
elif interrupted:
    st.info("Stopped. Every lane kept what it had generated.", icon=":material/stop_circle:")
report_save_errors(st.session_state[state.SAVE_ERRORS])

if not run_clicked and st.session_state[state.RESULTS]:
    render_results(
        st.session_state[state.RESULTS],
        st.session_state[state.RESULTS_PROMPT],
        st.session_state[state.UTILIZATION_PCT],
    )
