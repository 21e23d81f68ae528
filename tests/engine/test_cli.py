"""The CLI, run as a user runs it: a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

FIELDS = {
    "model", "settings", "ok", "error", "text", "tokens_in", "tokens_out", "ttft_s", "tpot_s", "itl_s",
    "itl_p50_s", "itl_p95_s", "e2e_s", "decode_tok_per_s", "prefill_tok_per_s", "peak_rss_mb",
    "rss_delta_mb", "weights_mb", "kv_cache_mb", "load_s", "environment", "usd_per_1m_out", "usd_answer",
}  # fmt: skip


def cli(*args: str, timeout: float = 300, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "inference_core", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})  # fmt: skip


def test_models_lists_the_catalog_as_json():
    done = cli("models", "--json")
    assert done.returncode == 0
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert rows[0]["key"] == "smollm2-135m-instruct" and rows[0]["available"]
    assert any(not r["available"] for r in rows)


@pytest.mark.slow
def test_compare_prints_one_json_object_per_lane_with_per_lane_settings():
    done = cli(
        "compare", "--prompt", "Name a fruit.", "--max-new-tokens", "5", "--json",
        "--model", "smollm2-135m-instruct", "--model", "smollm2-135m-instruct:dtype=bfloat16",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lanes = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lanes) == 2
    assert set(lanes[0]) >= FIELDS
    assert [lane["settings"]["load"]["dtype"] for lane in lanes] == ["float32", "bfloat16"]
    assert [lane["decoder"] for lane in lanes] == ["generate", "generate"]
    assert all(lane["ok"] and lane["tokens_out"] == len(lane["itl_s"]) + 1 for lane in lanes)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--prompt", "hi", "--model", "nope"], "unknown model"),
        (["--prompt", "  ", "--model", "smollm2-135m-instruct"], "prompt must not be empty"),
        (["--prompt", "hi", "--model", "smollm2-135m-instruct", "--max-new-tokens", "-4"], "max_new_tokens"),
        (["--prompt", "hi", "--model", "smollm2-135m-instruct:dtype=fp8"], "dtype must be one of"),
        (["--prompt", "hi"], "at least one --model"),
        (["--prompt", "hi", "--model", "bad\nlane"], "unknown model"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(args, message):
    done = cli("compare", *args, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


REPLAY_ID = "0" * 32
CAPACITY = ["--model", "smollm2-135m-instruct", "--requests-per-day", "1", "--tokens-in", "5", "--tokens-out", "5"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("openai:x@http://127.0.0.1:99999/v1", "Port out of range"),
        ("openai:x@http://[::1/v1", "Invalid IPv6 URL"),
        ("smollm2-135m-instruct:engine=replay", "engine must be one of"),
        ("smollm2-135m-instruct:engine=bogus", "engine must be one of"),
        (f"replay:{REPLAY_ID}/99999999999999999999", "replay reference must look like"),
        ("smollm2-135m-instruct:dtype=float32,dtype=bfloat16", "given twice"),
        ("smollm2-135m-instruct:seed=99999999999999999999999", "seed must be at most 9,223,372,036,854,775,807"),
    ],
)
def test_a_lane_the_cli_can_check_is_a_one_line_error_before_anything_runs(model, message):
    done = cli("compare", "--prompt", "hi", "--model", "smollm2-135m-instruct", "--model", model, timeout=60)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert done.stdout == ""


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["sequential", "race"])
def test_a_lane_that_fails_while_running_fails_alone_and_json_prints_every_lane(fault_server, mode):
    bad = f"openai:m@{fault_server.url('wrong-types')}"
    done = subprocess.run(
        [sys.executable, "-m", "inference_core", "compare", "--prompt", "Hi", "--max-new-tokens", "4", "--json",
         "--mode", mode, "--model", bad, "--model", "smollm2-135m-instruct"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "INFERENCE_LENS_ALLOW_PRIVATE_ENDPOINTS": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert not first["ok"] and "malformed event" in first["error"] and first["text"] == "Hi"
    assert second["ok"] and second["tokens_out"] == 4


@pytest.mark.slow
def test_race_mode_on_two_models_loads_both_for_real():
    """The report's reproduction: estimating one model must not corrupt another's load."""
    done = cli("compare", "--prompt", "hi", "--mode", "race", "--model", "smollm2-135m-instruct", "--model",
               "gemma3-270m", "--max-new-tokens", "8", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    lanes = [json.loads(line) for line in done.stdout.splitlines()]
    assert [lane["ok"] for lane in lanes] == [True, True], [lane["error"] for lane in lanes]


def test_invalid_utf8_in_a_saved_prompt_is_a_message_not_a_traceback():
    done = subprocess.run([sys.executable, "-m", "inference_core", "compare", "--save", "--prompt", b"caf\xff",
                           "--model", "smollm2-135m-instruct"], capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and "not valid text" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "sweep",
                "--experiment",
                "output-length",
                "--model",
                "smollm2-135m-instruct",
                "--out",
                "/no/such/dir/x.csv",
            ],
            "does not exist",
        ),
        (
            ["sweep", "--experiment", "output-length", "--model", "smollm2-135m-instruct", "--lengths", ","],
            "give at least one value",
        ),
        (
            ["sweep", "--experiment", "settings", "--model", "smollm2-135m-instruct", "--setting", "bogus"],
            "must look like key=value",
        ),
        (
            ["sweep", "--experiment", "settings", "--model", "smollm2-135m-instruct", "--setting", "colour=red"],
            "unknown lane setting",
        ),
        (
            [
                "sweep",
                "--experiment",
                "traffic",
                "--model",
                "smollm2-135m-instruct",
                "--rate",
                "1",
                "--concurrency",
                "2",
            ],
            "not both",
        ),
        (
            ["sweep", "--experiment", "output-length", "--model", "smollm2-135m-instruct", "--concurrency", "2"],
            "--concurrency applies to --experiment traffic",
        ),
        (
            ["sweep", "--experiment", "traffic", "--model", "smollm2-135m-instruct", "--rate", "fast"],
            "numbers separated by commas, got 'fast'",
        ),
        (
            ["sweep", "--experiment", "traffic", "--model", "smollm2-135m-instruct", "--concurrency", "500"],
            "at most 64 requests at once",
        ),
        (
            ["sweep", "--experiment", "traffic", "--model", "smollm2-135m-instruct", "--ttft-slo", "0"],
            "ttft_s must be at least 0.001, got 0.0",
        ),
        (
            ["sweep", "--experiment", "traffic", "--model", "smollm2-135m-instruct", "--output-tokens", "9-3"],
            "output tokens: must be N or LOW-HIGH with LOW <= HIGH",
        ),
        (["export", "--out", "/no/such/dir/runs.json"], "does not exist"),
        (["export", "--out", "/tmp/inference-lens-export-test.json", "--run", "bogus"], "no run 'bogus'"),
        (["import", "/dev/zero"], "the bundle /dev/zero is not a regular file"),
        (["compare", "--prompt", "hi", "--model", "smollm2-135m-instruct", "--deadline", "0"], "deadline_s"),
        (["eval", "--set", "/dev/zero", "--model", "smollm2-135m-instruct"],
         "error: --set: the question set /dev/zero is not a regular file"),
        (["sweep", "--experiment", "output-length", "--model", "smollm2-135m-instruct", "--out", "/proc/version"],
         "error: --out /proc/version: /proc is a system folder with no storage"),
        (["sweep", "--experiment", "traffic", "--model", "smollm2-135m-instruct", "--requests", "0"],
         "error: requests must be at least 1, got 0"),
        (["estimate-capacity", *CAPACITY, "--users", "nan"], "error: argument --users: invalid int value: 'nan'"),
        (["estimate-capacity", *CAPACITY, "--users", str(2**63)], "error: users must be at most 100,000,000"),
        (["estimate-capacity", *CAPACITY, "--users", "1", "--hourly-usd", "inf"],
         "error: hourly_usd must be a finite number, got inf"),
        (["estimate-capacity", *CAPACITY, "--users", "1", "--hourly-usd", "1e308"],
         "error: hourly_usd must be at most 1,000,000, got 1e+308"),
    ],
)  # fmt: skip
def test_bad_cli_input_is_one_line_with_exit_status_2(args, message):
    done = cli(*args, timeout=60)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_a_cuda_lane_runs_on_cuda_or_is_refused_before_anything_runs():
    import torch

    done = cli("compare", "--prompt", "hi", "--model", "smollm2-135m-instruct:max_new_tokens=2", "--device", "cuda")
    if torch.cuda.is_available():
        assert done.returncode == 0, done.stderr
    else:
        assert (done.returncode, done.stdout) == (2, "")
        assert done.stderr.strip() == ("error: --model 'smollm2-135m-instruct:max_new_tokens=2': device=cuda was "
                                       "asked for, but this machine has no CUDA GPU (use device=cpu)")  # fmt: skip


def test_a_history_folder_that_is_a_file_is_a_message(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    done = subprocess.run([sys.executable, "-m", "inference_core", "export", "--out", str(tmp_path / "x.json")],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "INFERENCE_LENS_DATA": str(blocker)})  # fmt: skip
    assert done.returncode == 2 and "cannot be opened" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("config", "message"),
    [
        ([1, 2, 3], "not a JSON object"),
        ({"model_type": "llama", "hidden_size": "big"}, "hidden_size"),
        (
            {
                "model_type": "llama",
                "num_hidden_layers": 200_000,
                "hidden_size": 64,
                "intermediate_size": 64,
                "num_attention_heads": 4,
                "vocab_size": 100,
            },
            "num_hidden_layers = 200000 is outside",
        ),
    ],
)
def test_a_hostile_config_is_refused_before_anything_is_built(tmp_path, config, message):
    (tmp_path / "config.json").write_text(json.dumps(config))
    done = cli("estimate", str(tmp_path), timeout=60)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr


def test_eval_refuses_a_malformed_set_with_its_line_and_saves_nothing(tmp_path):
    from inference_core.history.store import RunStore

    bad = tmp_path / "set.csv"
    bad.write_text("prompt,expected,check\nWhat is 2 plus 2?,4,numeric\nq2,four,numeric\n")
    before = len(RunStore().list_runs())
    done = cli("eval", "--set", str(bad), "--model", "smollm2-135m-instruct", "--save", timeout=60)
    assert done.returncode == 2 and "line 3" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert len(RunStore().list_runs()) == before


@pytest.mark.slow
def test_eval_scores_a_set_and_prints_a_summary(tmp_path):
    good = tmp_path / "set.csv"
    good.write_text("prompt,expected,check\nWhat is the capital of France?,Paris,exact\n")
    done = cli("eval", "--set", str(good), "--model", "smollm2-135m-instruct", "--max-new-tokens", "12", "--json")
    assert done.returncode == 0, done.stderr
    *answers, summary = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(answers) == 1 and isinstance(answers[0]["correct"], bool) and 0 < answers[0]["confidence"] <= 1
    assert summary["summary"][0]["questions"] == 1


@pytest.mark.slow
def test_compare_logprobs_adds_them_to_the_json_lines():
    done = cli("compare", "--model", "smollm2-135m-instruct", "--max-new-tokens", "4", "--logprobs", "3", "--json")
    lane = json.loads(done.stdout)
    assert len(lane["token_logprobs"]) == 4 and all(len(top) == 3 for top in lane["top_logprobs"])


LEVEL_FIELDS = ("requests", "failures", "ttft_p50_s", "ttft_p99_s", "tpot_p50_s", "itl_p50_s", "e2e_p50_s",
                "request_per_s", "output_tok_per_s", "goodput_rps")  # fmt: skip


@pytest.mark.slow
def test_traffic_sweep_writes_one_row_per_request_and_one_per_level(tmp_path):
    import pandas as pd

    out, summary = tmp_path / "rows.csv", tmp_path / "levels.csv"
    lane = "smollm2-135m-instruct:batching=continuous,max_new_tokens=4"
    done = cli("sweep", "--experiment", "traffic", "--model", lane, "--concurrency", "1,3", "--requests", "3",
               "--out", str(out), "--summary-out", str(summary))  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows, levels = pd.read_csv(out), pd.read_csv(summary)
    assert len(rows) == 6 and set(rows["tokens_out"]) == {4} and rows["ok"].all()
    assert list(levels["concurrency"]) == [1, 3] and list(levels["requests"]) == [3, 3]
    assert set(LEVEL_FIELDS) <= set(levels.columns) and levels["failures"].eq(0).all()
    assert "goodput_rps" in done.stderr  # the level table is printed too


@pytest.mark.slow
def test_rate_sweep_with_a_drawn_output_length(tmp_path):
    import pandas as pd

    summary = tmp_path / "levels.csv"
    done = cli("sweep", "--experiment", "traffic", "--model", "smollm2-135m-instruct:batching=continuous",
               "--rate", "4", "--requests", "4", "--output-tokens", "2-6", "--summary-out", str(summary))  # fmt: skip
    assert done.returncode == 0, done.stderr
    [level] = pd.read_csv(summary).to_dict("records")
    assert level["rate"] == 4.0 and level["requests"] == 4 and 2 <= level["tokens_out_mean"] <= 6


@pytest.mark.slow
def test_an_operator_endpoints_key_named_by_api_key_env_is_sent_by_the_cli(fault_server):
    from tests.backends.fault_server import FaultHandler

    url = fault_server.url("echo-auth")
    endpoints = [{"name": "e", "base_url": url, "model": "m", "api_key_env": "TEST_ENDPOINT_KEY"}]
    env = {**os.environ, "INFERENCE_LENS_ENDPOINTS": json.dumps(endpoints), "TEST_ENDPOINT_KEY": "sk-canary-4711",
           "INFERENCE_LENS_ALLOW_PRIVATE_ENDPOINTS": "true"}  # fmt: skip
    FaultHandler.seen_auth.clear()
    done = subprocess.run([sys.executable, "-m", "inference_core", "compare", "--prompt", "hi", "--model",
                           f"openai:m@{url}", "--max-new-tokens", "4"], capture_output=True, text=True, env=env,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert ("echo-auth", "Bearer sk-canary-4711") in FaultHandler.seen_auth
    assert "sk-canary-4711" not in done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("command", [["export", "--out", "/tmp/inference-lens-bad-url.json"],
                                     ["compare", "--prompt", "hi", "--model", "smollm2-135m-instruct",
                                      "--max-new-tokens", "2", "--save"]])  # fmt: skip
def test_a_malformed_database_url_is_one_line_and_keeps_the_run(command):
    env = {**os.environ, "INFERENCE_LENS_DATABASE_URL": "postgresql+psycopg://user:pw@[::1:bad/db"}
    done = subprocess.run([sys.executable, "-m", "inference_core", *command], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip
    message = "INFERENCE_LENS_DATABASE_URL is not a database URL (dialect://user:password@host:port/database)"
    assert done.stderr.strip().splitlines() == [
        f"{'error: nothing exported' if command[0] == 'export' else 'warning: the run was not saved'}: {message}"
    ]
    assert done.returncode == (2 if command[0] == "export" else 0) and "pw" not in done.stderr
    assert command[0] == "export" or "tokens_out=2" in done.stdout  # the comparison ran and printed its figures


@pytest.mark.slow
def test_a_backtracking_grader_against_an_endpoint_answer_finishes(fault_server, tmp_path):
    questions = tmp_path / "redos.csv"
    questions.write_text('prompt,expected,check\n"Say a",(a+)+$,regex\n')
    env = {**os.environ, "INFERENCE_LENS_ALLOW_PRIVATE_ENDPOINTS": "true"}
    done = subprocess.run([sys.executable, "-m", "inference_core", "eval", "--set", str(questions), "--model",
                           f"openai:m@{fault_server.url('a-then-b')}", "--max-new-tokens", "64", "--json"],
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    row = json.loads(done.stdout.splitlines()[0])
    assert row["correct"] is False and row["answer"] == "a" * 40 + "b"


def fetched(page: str) -> list[str]:
    """What a browser would fetch for this page: every src or href of its elements (script text not parsed)."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Links(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list) -> None:
            found.extend(f"{tag} {name}={value}" for name, value in attrs if name in ("src", "href"))

    Links().feed(page)
    return found


@pytest.mark.slow
def test_the_quick_tour_writes_an_offline_report_whose_sentences_recompute_from_its_data(tmp_path):
    import re

    from inference_core.engine import Engine
    from inference_core.experiments import chapter_sentence

    report = tmp_path / "report.html"
    report.write_text("an older report")  # overwritten
    limits = {"INFERENCE_LENS_MAX_NEW_TOKENS": "12", "INFERENCE_LENS_MAX_LANES": "2"}  # the operator's: a smaller tour
    done = cli("tour", "--quick", "--out", str(report), timeout=400, env=limits)
    assert done.returncode == 0, done.stderr
    page = report.read_text()
    assert fetched(page) == []  # scripts and styles inline: it opens offline
    embedded = re.search(r'<script type="application/json" id="inference-lens-data">(.*?)</script>', page, re.S)
    data = json.loads(embedded.group(1))
    keys = ["tokens", "input", "output", "size", "traffic", "cost", "samples", "graded"]
    assert [chapter["key"] for chapter in data["chapters"]] == keys  # every claim, in the explainer's order
    for chapter in data["chapters"]:
        assert chapter_sentence(chapter) == chapter["sentence"] and chapter["sentence"].split()[0] != "Not"
        assert {"tokens_in", "tokens_out", "ttft_s", "e2e_s", "usd_answer"} <= set(chapter["runs"][0])
    [output] = [chapter for chapter in data["chapters"] if chapter["key"] == "output"]
    assert "output" in output["claim"]
    e2e = {label: sorted(run["e2e_s"] for run in output["runs"] if run["condition"] == label)
           for label in (output["baseline"], output["changed"])}  # fmt: skip
    assert e2e[output["changed"]][1] > e2e[output["baseline"]][1]  # in its own data, a longer answer took longer
    passport = data["run"]["meta"]["passport"]
    assert {"memory_bandwidth_gb_s", "cpu", "cores", "versions", "engine_settings"} <= set(passport)
    fresh = Engine(store_path=tmp_path / "elsewhere.db")
    assert fresh.import_bundle(report.read_bytes()) == (1, 0)  # the report imports into another history
    [summary] = fresh.runs()
    assert fresh.tour_data(fresh.run(summary.id)) == data["chapters"]  # the same sentences, from the same rows
