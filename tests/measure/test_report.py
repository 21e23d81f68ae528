"""Report: results as tidy tables and exports that carry the environment they were measured on."""

from __future__ import annotations

import json

from inference_core.measure.report import METRIC_COLUMNS, metric_help, results_csv, results_frame, results_json
from inference_core.types import RunResult, Settings

RESULTS = [
    RunResult(model="a", model_name="A (Q4_1 GGUF)", settings=Settings(), ok=True, ttft_s=0.1, e2e_s=1.0,
              environment={"cores": 2, "versions": {"torch": "x"}}),
    RunResult(model="b", model_name="B", settings=Settings(quantize="int8"), ok=False, error="boom", stopped=True),
]  # fmt: skip


def test_one_row_per_lane_with_status_and_every_metric():
    frame = results_frame(RESULTS)
    assert list(frame["status"]) == ["done", "stopped"]
    assert set(METRIC_COLUMNS) <= set(frame.columns)
    assert frame["lane"].iloc[0].startswith("1. A") and "int8" in frame["lane"].iloc[1]


def test_exports_carry_the_environment_and_the_formulas_are_documented():
    assert "env_cores" in results_csv(RESULTS).splitlines()[0]
    data = json.loads(results_json(RESULTS, prompt="p"))
    assert data["prompt"] == "p" and data["results"][0]["environment"]["cores"] == 2
    assert "(e2e_s - ttft_s)" in metric_help("tpot_s")


def test_an_undefined_figure_reads_n_a_with_its_reason():
    from inference_core.measure.report import figure, undefined_figures

    one = RunResult(model="a", model_name="A", settings=Settings(), ok=True, ttft_s=0.1, e2e_s=0.1, tokens_out=1,
                    usd_answer=0.001)  # fmt: skip
    assert figure(one, "ttft_s", "{:.2f} s") == "0.10 s"
    assert figure(one, "usd_per_1m_out") == "n/a (one output token: no time between tokens)"
    assert figure(RESULTS[1], "ttft_s") == "n/a (stopped before it)"
    assert undefined_figures([one, RESULTS[1]], ["ttft_s", "tpot_s", "decode_tok_per_s"], {"tpot_s": "TPOT"}) == [
        "lane 1: TPOT, decode_tok_per_s n/a: one output token: no time between tokens"
    ]


def test_a_lane_title_names_what_runs():
    from inference_core.measure.report import lane_title
    from inference_core.types import LlamaCppLoad, Settings

    gguf = "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert lane_title("SmolLM2 135M Instruct (Q4_1 GGUF)", gguf, Settings()) == (
        "SmolLM2 135M · float32, dequantized from the Q4_1 GGUF")
    assert lane_title("SmolLM2 135M Instruct (Q4_1 GGUF)", gguf, Settings(quantize="int8")) == (
        "SmolLM2 135M · int8, from the Q4_1 GGUF")
    assert lane_title("SmolLM2 135M Instruct (Q4_1 GGUF)", gguf, Settings(load=LlamaCppLoad(engine="llama.cpp"))) == (
        "SmolLM2 135M · the Q4_1 GGUF on llama.cpp")
    assert lane_title("Qwen2.5 0.5B Instruct", "", Settings(dtype="bfloat16")) == "Qwen2.5 0.5B · bfloat16"
