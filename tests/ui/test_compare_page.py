"""The Compare page under AppTest, on the real embedded models."""

from __future__ import annotations

import pytest

from tests.ui.helpers import click, page, plain
from ui.state import heading

SMALL_LANES = ["smollm2-135m-instruct:max_new_tokens=6", "gemma3-270m:max_new_tokens=6"]


def answers(at) -> list[str]:
    """The answer bodies: the markdown right after each lane's caption."""
    return [at.markdown[i + 1].value for i, m in enumerate(at.markdown) if m.value.startswith(("**1.", "**2.", "**3."))]


def test_app_starts_on_compare_with_the_two_embedded_models(app):
    app.run()
    assert not app.exception
    assert app.title[0].value == heading("compare")
    # two different embedded models, streaming at once: the point shows in seconds
    assert [s.value for s in app.selectbox if s.label == "Model"] == ["smollm2-135m-instruct", "gemma3-270m"]
    assert [t.value for t in app.toggle if t.label == "int8"] == [False, False]
    assert app.session_state["mode"] == "race"
    assert app.session_state["utilization_pct"] == 50  # 100% would flatter self-hosting


def run_default_lanes(app, prompt: str, tokens: int) -> None:
    """The default lanes, each capped at ``tokens``, run on ``prompt``."""
    app.run()
    app.text_area(key="prompt").set_value(prompt)
    for lane_id in (0, 1):
        app.number_input(key=f"lane{lane_id}.max_new_tokens").set_value(tokens)
    click(app, "Run")


def test_default_lanes_stream_two_answers_and_a_results_table(app):
    run_default_lanes(app, "What is the capital of France?", 6)
    assert not app.exception
    assert len(app.dataframe) == 1
    table = app.dataframe[0].value
    assert list(table["status"]) == ["done", "done"]
    assert table["tokens_out"].between(1, 6).all()  # the base model may end its answer sooner
    assert (table["usd_answer"] > 0).all()
    texts = answers(app)
    assert len(texts) == 2 and all(t.strip() for t in texts)
    assert list(table.columns[:3]) == ["ttft_s", "decode_tok_per_s", "e2e_s"] and table.index.name == "lane"
    assert any("one sample" in c.value for c in app.caption)
    charts = [str(chart.proto.spec) for chart in app.get("vega_lite_chart")]
    assert any("Model memory (MB)" in spec for spec in charts)  # each model's own memory, not the process's
    assert not any("peak_rss_mb" in spec for spec in charts)
    [run_link] = [c.value for c in app.code if "?run=" in c.value]  # the run's own link, to copy
    assert run_link.split("?run=")[1] == app.session_state["compare_results_run_id"]


def test_a_run_link_opens_the_saved_run_without_running_it(app):
    run_default_lanes(app, "Name a fruit.", 4)
    run_id = app.session_state["compare_results_run_id"]
    at = page("compare")
    at.query_params["run"] = run_id
    at.run()
    assert not at.exception
    assert at.title[0].value == "Saved run"
    assert [b for b in at.button if b.label == "Replay"]
    assert not [b for b in at.button if b.label == "Run"]  # nothing to run: it shows what was measured
    assert len(at.dataframe[0].value) == 2
    unknown = page("compare")
    unknown.query_params["run"] = "not-a-run"
    unknown.run()
    assert unknown.title[0].value == heading("compare") and "names no saved run" in plain(unknown.warning[0].value)


def test_a_base_model_lane_says_it_was_asked_for_a_completion():
    at = page("compare")
    at.query_params["prompt"] = "What is the capital of France?"
    at.query_params["lane"] = ["gemma3-270m:max_new_tokens=40"]
    at.run()
    click(at, "Run")
    assert not at.exception
    assert any("asked as a completion" in plain(c.value) for c in at.caption)
    assert at.dataframe[0].value["tokens_out"].iloc[0] < 40  # stopped at the end of its answer


def test_an_empty_prompt_is_refused(app):
    app.run()
    app.text_area(key="prompt").set_value("   ")
    click(app, "Run")
    assert "cannot be empty" in app.warning[0].value
    assert not app.dataframe


def test_a_bad_reference_lane_fails_alone():
    at = page("compare")
    at.query_params["prompt"] = "Say hi."
    at.query_params["lane"] = ["hf:not-a-repo", "smollm2-135m-instruct:max_new_tokens=5"]
    at.run()
    click(at, "Run")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["status"]) == ["error", "done"]
    assert any("ORG/NAME" in e.value for e in at.error)


def test_query_string_round_trips():
    at = page("compare")
    link = {
        "prompt": "Why is the sky blue?",
        "lane": ["smollm2-135m-instruct:dtype=bfloat16,max_new_tokens=12", "gemma3-270m:temperature=0.7,seed=3"],
        "mode": "race",
    }
    at.query_params.update(link)
    at.run()
    assert not at.exception
    assert at.text_area(key="prompt").value == link["prompt"]
    assert at.selectbox(key="lane0.dtype").value == "bfloat16"
    assert at.number_input(key="lane0.max_new_tokens").value == 12
    assert at.number_input(key="lane1.temperature").value == 0.7
    assert at.radio(key="mode").value == "race"
    assert not at.dataframe  # restoring a link never runs it
    at.number_input(key="lane1.seed").set_value(9).run()
    assert at.query_params["lane"] == ["smollm2-135m-instruct:dtype=bfloat16,max_new_tokens=12",
                                        "gemma3-270m:temperature=0.7,seed=9"]  # fmt: skip
    assert at.query_params["prompt"] == [link["prompt"]] or at.query_params["prompt"] == link["prompt"]


def test_html_in_prompt_and_output_is_shown_as_text():
    at = page("compare")
    attack = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    at.query_params["prompt"] = attack
    at.query_params["lane"] = ["gemma3-270m:max_new_tokens=8"]  # a base model continues the HTML
    at.run()
    click(at, "Run")
    assert not at.exception
    assert all(not m.proto.allow_html for m in at.markdown)
    bodies = " ".join(m.value for m in at.markdown)
    assert "<script>" not in bodies and "<img" not in bodies


def test_lanes_can_be_added_and_removed(app):
    app.run()
    click(app, "Add lane")
    assert len([s for s in app.selectbox if s.label == "Model"]) == 3
    app.button(key="lane0.remove").click().run()
    assert [s.value for s in app.selectbox if s.label == "Model"] == ["gemma3-270m"] * 2  # the last, copied


INJECTED_LANE = "smollm2-135m-instruct:dtype=![p](//127.0.0.1/pixel.png)[Log in again](//evil.example/login)"


def test_a_crafted_lane_in_the_link_is_shown_as_text_not_markdown():
    at = page("compare")
    at.query_params["lane"] = [INJECTED_LANE]
    at.run()
    [warning] = [w for w in at.warning if "was skipped" in plain(w.value)]
    assert "![p](//127.0.0.1/pixel.png)[Log in again](//evil.example/login)" in plain(warning.value)
    assert "](" not in warning.value.replace("\\]\\(", "")  # every bracket and parenthesis escaped


def test_an_operator_limit_is_a_message_and_nothing_runs(monkeypatch, fresh_engine):
    monkeypatch.setenv("INFERENCE_LENS_MAX_NEW_TOKENS", "4")
    monkeypatch.setenv("INFERENCE_LENS_MAX_PROMPT_CHARS", "20")
    at = page("compare")
    at.query_params["prompt"] = "A prompt longer than twenty characters."
    at.query_params["lane"] = ["smollm2-135m-instruct:max_new_tokens=6"]
    at.run()
    click(at, "Run", timeout=60)
    errors = [plain(e.value) for e in at.error]
    assert any("at most 20" in e for e in errors) and any("6 new tokens" in e for e in errors)
    assert not at.dataframe


@pytest.mark.slow
def test_a_one_token_answer_shows_its_undefined_figures_as_n_a_with_the_reason():
    at = page("compare")
    at.query_params["prompt"] = "Name a colour."
    at.query_params["lane"] = ["smollm2-135m-instruct:max_new_tokens=1",
                               "smollm2-135m-instruct:max_new_tokens=8,quantize=int8"]  # fmt: skip
    at.run()
    click(at, "Run")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["status"]) == ["done", "done"] and table["tokens_out"].iloc[0] == 1
    captions = [c.value for c in at.caption]
    assert any("n/a (one output token: no time between tokens) per 1M output tokens" in c for c in captions)
    assert any(plain(c).startswith("lane 1: Decode (tok/s)") and "one output token" in plain(c) for c in captions)
