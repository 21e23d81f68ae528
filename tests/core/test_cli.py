"""The CLI, run as a user runs it: a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FIELDS = {
    "model", "settings", "ok", "error", "text", "tokens_in", "tokens_out", "ttft_s", "tpot_s", "itl_s",
    "itl_p50_s", "itl_p95_s", "e2e_s", "decode_tok_per_s", "prefill_tok_per_s", "peak_rss_mb",
    "rss_delta_mb", "weights_mb", "kv_cache_mb", "load_s", "environment", "usd_per_1m_out", "usd_answer",
}  # fmt: skip


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "inference_core", *args], capture_output=True, text=True, timeout=timeout
    )


def test_models_lists_the_catalog_as_json():
    done = cli("models", "--json")
    assert done.returncode == 0
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert rows[0]["key"] == "smollm2-135m-instruct" and rows[0]["available"]
    assert any(not r["available"] for r in rows)


def test_compare_prints_one_json_object_per_lane_with_per_lane_settings():
    done = cli(
        "compare", "--prompt", "Name a fruit.", "--max-new-tokens", "5", "--json",
        "--model", "smollm2-135m-instruct", "--model", "smollm2-135m-instruct:dtype=bfloat16",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lanes = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lanes) == 2
    assert set(lanes[0]) >= FIELDS
    assert [lane["settings"]["dtype"] for lane in lanes] == ["float32", "bfloat16"]
    assert all(lane["ok"] and lane["tokens_out"] == len(lane["itl_s"]) + 1 for lane in lanes)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--prompt", "hi", "--model", "nope"], "unknown model"),
        (["--prompt", "  ", "--model", "smollm2-135m-instruct"], "prompt must not be empty"),
        (["--prompt", "hi", "--model", "smollm2-135m-instruct", "--max-new-tokens", "-4"], "max_new_tokens"),
        (["--prompt", "hi", "--model", "smollm2-135m-instruct:dtype=fp8"], "dtype must be one of"),
        (["--prompt", "hi"], "at least one --model"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(args, message):
    done = cli("compare", *args, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
