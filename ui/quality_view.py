"""The Tokens & quality page: how text becomes tokens, how sure a model is, how answers vary, how often
they are right, and what a correct answer costs."""

from __future__ import annotations

import statistics

import pandas as pd
import streamlit as st

from inference_core import (
    DEFAULT_MODELS,
    Lane,
    QuestionError,
    Samples,
    builtin_questions,
    confidence_chart,
    confidence_html,
    divergence,
    eval_summary,
    machine_time_usd,
    marked_sample,
    parse_questions,
    quality_chart,
    token_chips,
)
from inference_core.engine import Saving
from ui import state
from ui.jobs import run_job
from ui.layout import bounded_number, new_link
from ui.resources import engine, history_results, model_choices, refused, session_access
from ui.text import escape_markdown, notice, plural

EVAL_JOB = "quality_eval_job"
EVAL_ROWS = "quality_eval_rows"


def apply_link() -> None:
    """Fill the inputs in from a link (the Tour's: ``?model=M&prompt=P&temperature=1``), once per link."""
    if not new_link("quality"):
        return
    if model := st.query_params.get("model"):
        st.session_state["samples_model"], st.session_state["quality_models"] = model, [model]
    if prompt := st.query_params.get("prompt"):
        st.session_state["samples_prompt"] = prompt[: engine().limits.max_prompt_chars]
    low, high, _ = Samples.bounds("temperature")
    try:
        temperature = float(st.query_params.get("temperature", "nan"))
    except ValueError:
        return
    if low <= temperature <= high:
        st.session_state["samples_temperature"] = temperature


def _local_models(key: str, single: bool = False) -> list[str]:
    names, choices = model_choices()
    local = [c for c in choices if not c.startswith(("openai:", "replay:"))]
    wanted = st.session_state.get(key)
    if wanted is not None and not set([wanted] if single else wanted) <= set(local):
        del st.session_state[key]  # a linked model this deployment does not offer
    if single:
        return [st.selectbox("Model", local, format_func=lambda r: names.get(r, r), key=key)]
    st.session_state.setdefault(key, [m for m in DEFAULT_MODELS if m in local])
    return st.multiselect("Models", local, format_func=lambda r: names.get(r, r), key=key)


def _prefill_figures(ref: str, count: int) -> str:
    """What ``count`` input tokens mean on this machine: prefill time and price at the sidebar's rate."""
    speeds = [r.prefill_tok_per_s for r in history_results() if r.model == ref and r.prefill_tok_per_s]
    if not speeds:
        return "no prefill measured yet for this model on this machine (run it once on Compare)"
    speed = statistics.median(speeds)
    price = state.machine_price()
    usd = machine_time_usd(count / speed, price.hourly_usd, price.utilization)
    return (
        f"about {count / speed:.2f} s of prefill at {speed:,.0f} tok/s measured here, ${usd:.7f} at the sidebar's rate"
    )


def tokens_tab() -> None:
    st.caption("Each model cuts the same text differently, and time and price are per token. Dashed chips are "
               "pieces of one character; the number under each chip is its id.")  # fmt: skip
    refs = _local_models("tokens_models")
    text = st.text_area("Text", "Tokenization isn't free: 1,234.5 km, naïve café 🙂", key="tokens_text", height=80)
    for ref in refs:
        try:
            pieces = engine().tokenize(ref, text)
        except Exception as exc:  # one model failing does not hide the others
            notice("error", f"{ref}: {exc}")
            continue
        st.markdown(f"**{escape_markdown(ref)}**: {plural(len(pieces), 'token')}")
        st.html(token_chips(pieces))
        st.caption(escape_markdown(_prefill_figures(ref, len(pieces))))


def confidence_tab() -> None:
    st.caption("A model picks one likely token at a time, so it can sound sure and still be wrong. Each token is "
               "coloured by the probability the model gave it (green sure, red unsure); hover: the top 5.")  # fmt: skip
    left, right = st.columns([3, 1])
    with left:
        [ref] = _local_models("confidence_model", single=True)
    tokens = right.number_input("Max new tokens", *engine().bounds("max_new_tokens"), key="confidence_tokens")
    prompt = st.text_area("Prompt", "How many times does the letter r appear in the word strawberry?",
                          key="confidence_prompt", height=68)  # fmt: skip
    if not st.button("Generate", icon=":material/play_arrow:", key="confidence_run"):
        return
    lanes = [Lane(ref, engine().default_settings().replace(max_new_tokens=int(tokens), logprobs=5))]
    if refused(engine().problems(prompt, lanes)):
        return
    [result] = engine().compare(prompt, lanes, access=session_access())
    if not result.ok:
        notice("error", result.error)
        return
    if not result.token_logprobs:
        st.info("This engine does not record token probabilities: " + escape_markdown("; ".join(result.notes)))
        return
    st.html(confidence_html(result))
    st.altair_chart(confidence_chart(result), width="stretch")


def samples_tab() -> None:
    st.caption("The same prompt sampled at a temperature with different seeds, beside the greedy answer; each "
               "sample is marked (▸) where it first leaves the greedy answer.")  # fmt: skip
    cols = st.columns([3, 1, 1])
    with cols[0]:
        [ref] = _local_models("samples_model", single=True)
    count = bounded_number(cols[1], "Samples", engine().bounds("count", Samples), key="samples_count")
    st.session_state.setdefault("samples_temperature", float(Samples.bounds("temperature").default))
    st.session_state.setdefault("samples_prompt", "Name a good name for a cat.")
    low, high, _ = Samples.bounds("temperature")
    temperature = cols[2].number_input("Temperature", float(low), float(high), step=0.1, key="samples_temperature")
    prompt = st.text_area("Prompt", key="samples_prompt", height=68)
    if not st.button("Sample", icon=":material/casino:", key="samples_run"):
        return
    lanes = Samples(count=count, temperature=temperature).lanes(ref, engine().default_settings())
    if refused(engine().problems(prompt, lanes)):
        return
    greedy, *samples = engine().compare(prompt, lanes, access=session_access())
    st.markdown("**Greedy**")
    st.html(f'<div style="white-space:pre-wrap">{marked_sample(greedy, None)}</div>')
    for seed, sample in enumerate(samples, start=1):
        at = divergence(greedy, sample)
        where = "identical to the greedy answer" if at is None else f"leaves the greedy answer at token {at + 1}"
        st.markdown(f"**Seed {seed}** · {where}")
        st.html(f'<div style="white-space:pre-wrap">{marked_sample(sample, at)}</div>')


def quality_tab() -> None:
    st.caption("How often each model answers a question set correctly, how sure it was when right and when "
               "wrong, and what a correct answer costs (the price of every answer / the correct ones).")  # fmt: skip
    refs = _local_models("quality_models")
    upload = st.file_uploader("Your own set (CSV: prompt,expected,check with check exact, numeric or regex)",
                              type=["csv"], key="quality_upload")  # fmt: skip
    try:
        questions = parse_questions(upload.getvalue()) if upload else builtin_questions()
    except QuestionError as exc:
        notice("error", f"The set was refused, nothing runs: {exc}")
        return
    name = upload.name if upload else "built-in set"
    st.caption(escape_markdown(f"{name}: {plural(len(questions), 'question')} x {plural(len(refs), 'model')}"))
    if st.button("Run the set", type="primary", icon=":material/fact_check:", disabled=not refs):
        _run_eval(questions, refs, name)
    if st.session_state.get(EVAL_ROWS):
        _eval_results(st.session_state[EVAL_ROWS])


def _run_eval(questions: list, refs: list[str], name: str) -> None:
    lanes = [Lane(ref, engine().default_settings()) for ref in refs]
    if refused(engine().evaluation_problems(questions, lanes)):
        return
    recorder = engine().recorder(Saving("eval", f"Quality: {name}", title=f"Quality: {name}",
                                        meta={"questions": len(questions), "models": refs}))  # fmt: skip
    job = engine().evaluation(questions, lanes, access=session_access(), price=state.machine_price(),
                              on_row=recorder)  # fmt: skip
    bar = st.empty()

    def progress(running) -> None:
        while (event := running.events.get()) is not None:
            bar.progress(event.done / max(event.total, 1), text=escape_markdown(f"{event.done} of {event.total} "
                         f"answers · now: {event.current}"))  # fmt: skip

    run_job(EVAL_JOB, job, progress, "evaluation", lambda done: st.session_state.update({EVAL_ROWS: done.rows}))


def _eval_results(rows: list[dict]) -> None:
    summary = eval_summary(rows)
    formats = {"accuracy": "{:.0%}", "confidence_right": "{:.0%}", "confidence_wrong": "{:.0%}", "e2e_s": "{:.2f}",
               "usd_per_1m_out": "${:.2f}", "usd_per_correct": "${:.6f}"}  # fmt: skip
    st.dataframe(summary.style.format(formats, na_rep="n/a"), hide_index=True, width="stretch", column_config={
        "confidence_right": st.column_config.Column("confidence when right"),
        "confidence_wrong": st.column_config.Column("confidence when wrong"),
        "e2e_s": st.column_config.Column("median end-to-end (s)"),
        "usd_per_1m_out": st.column_config.Column("$ per 1M output"),
        "usd_per_correct": st.column_config.Column("$ per correct answer"),
    })  # fmt: skip
    left, right = st.columns(2)
    left.altair_chart(quality_chart(summary, "usd_per_1m_out", "$ per 1M output tokens"), width="stretch")
    right.altair_chart(quality_chart(summary, "e2e_s", "Median end-to-end time (s)"), width="stretch")
    with st.expander("Every answer"):
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
