"""The Models page under AppTest, and an endpoint lane next to a local lane on Compare."""

from __future__ import annotations

import sys

from tests.ui.helpers import click, page, plain
from ui.resources import engine


def test_models_page_lists_the_embedded_models_with_estimates():
    at = page("models")
    at.run(timeout=120)
    assert not at.exception
    catalog = at.dataframe[0].value
    assert {"smollm2-135m-instruct", "gemma3-270m"} <= set(catalog["reference"])
    estimates = next(frame.value for frame in at.dataframe if "verdict" in frame.value.columns)
    assert set(estimates["weights"]) == {"float32", "bfloat16", "int8"}
    assert (estimates["weights_mb"] > 100).all() and set(estimates["verdict"]) <= {"fits", "tight", "does-not-fit"}


def test_a_malformed_reference_gets_a_message():
    at = page("models")
    at.run(timeout=120)
    [reference] = [t for t in at.text_input if t.label == "Reference"]
    reference.set_value("hf:not a repo")
    click(at, "Add", timeout=60)
    assert any("hf:ORG/NAME" in plain(e.value) for e in at.error)


def test_a_private_endpoint_is_refused_when_the_operator_setting_is_off(monkeypatch, fresh_engine):
    monkeypatch.setenv("INFERENCE_LENS_ALLOW_PRIVATE_ENDPOINTS", "0")
    at = page("models")
    at.run(timeout=120)
    fields = {t.label: t for t in at.text_input}
    fields["Name"].set_value("metadata")
    fields["Base URL"].set_value("http://169.254.169.254/latest")
    fields["Model"].set_value("m")
    fields["API key (optional)"].set_value("sk-canary-in-page")
    click(at, "Add endpoint", timeout=60)
    assert any("link-local" in plain(e.value) for e in at.error)
    shown = [e.value for kind in (at.markdown, at.error, at.success, at.caption, at.warning, at.info) for e in kind]
    assert all("sk-canary-in-page" not in text for text in shown)
    assert "sk-canary-in-page" not in str(at.query_params)


def test_compare_runs_a_local_lane_next_to_an_endpoint_lane(served_smollm2, monkeypatch, fresh_engine):
    monkeypatch.setenv("INFERENCE_LENS_ALLOW_PRIVATE_ENDPOINTS", "1")
    at = page("compare")
    at.query_params["prompt"] = "What is the capital of France?"
    at.query_params["lane"] = ["smollm2-135m-instruct:max_new_tokens=8", f"{served_smollm2}:max_new_tokens=8"]
    at.run()
    click(at, "Run")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["status"]) == ["done", "done"]
    assert list(table["backend"]) == ["transformers", "openai"]
    assert table["tokens_out"].iloc[0] == table["tokens_out"].iloc[1]


def test_without_llama_cpp_python_the_pages_run_and_the_engine_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # an import of it now fails, as when not installed
    at = page("models")
    at.run(timeout=120)
    assert not at.exception
    engines = next(frame.value for frame in at.dataframe if "engine" in frame.value.columns)
    row = engines.set_index("engine").loc["llama.cpp", "available"]
    assert row.startswith("no: llama-cpp-python is not installed") and "scripts/install_llama.sh" in row
    compare = page("compare")
    compare.run(timeout=60)
    assert not compare.exception
    [engine_picker, *_] = [s for s in compare.selectbox if s.label == "Engine"]
    assert "llama.cpp (not installed)" in engine_picker.options


def test_which_sizes_fit_here_and_on_community_cloud():
    at = page("models")
    at.run(timeout=120)
    sizes = next(frame.value for frame in at.dataframe if "float32 community cloud" in frame.value.columns)
    assert list(sizes["params_m"]) == sorted(sizes["params_m"]) and sizes["params_m"].max() > 7000
    row = sizes.set_index("model").loc["Qwen2.5 7B Instruct (shape only)"]
    assert row["float32 community cloud"] == "does-not-fit" and row["bfloat16 needs mb"] > 14000


def test_server_wide_actions_need_the_operator_setting(monkeypatch, fresh_engine):
    at = page("models")
    at.run(timeout=120)
    assert not [b for b in at.button if b.label in ("Clear", "Unload")]
    assert not [c for c in at.checkbox if "catalog file" in c.label]
    assert any("INFERENCE_LENS_OPERATOR_ACTIONS=1" in c.value for c in at.caption)
    monkeypatch.setenv("INFERENCE_LENS_OPERATOR_ACTIONS", "1")
    engine.clear()  # a server reads its operator's settings once, when it makes its engine
    operator = page("models")
    operator.run(timeout=120)
    assert [b for b in operator.button if b.label == "Clear"]  # the packaged models' converted caches
    assert [c for c in operator.checkbox if "catalog file" in c.label]
