"""``estimate-capacity`` on a real saved traffic run of SmolLM2, and without one."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def _cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "inference_core", *args], capture_output=True, text=True,
                          timeout=600, env=env)  # fmt: skip


AUDIENCE = ("--users", "1000", "--requests-per-day", "5", "--tokens-in", "200", "--tokens-out", "16")


@pytest.mark.slow
def test_machines_and_monthly_cost_from_the_latest_traffic_run(tmp_path):
    env = {**os.environ, "INFERENCE_LENS_DATA": str(tmp_path)}
    missing = _cli(env, "estimate-capacity", "--model", "smollm2-135m-instruct", *AUDIENCE, "--json")
    assert missing.returncode == 3 and "no saved traffic run" in missing.stderr and "--save" in missing.stderr
    sweep = _cli(env, "sweep", "--experiment", "traffic", "--model", "smollm2-135m-instruct:batching=continuous",
                 "--concurrency", "1,2", "--requests", "3", "--max-new-tokens", "16", "--save", "--out",
                 str(tmp_path / "rows.csv"))  # fmt: skip
    assert sweep.returncode == 0, sweep.stderr
    done = _cli(env, "estimate-capacity", "--model", "smollm2-135m-instruct", *AUDIENCE, "--ttft-slo", "30",
                "--tpot-slo", "5", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert isinstance(found["machines"], int) and found["machines"] >= 1
    assert found["usd_per_month"] == found["machines"] * found["hourly_usd"] * 730
    assert found["capacity_requests_per_s"] > 0 and found["traffic_run"]
    strict = json.loads(_cli(env, "estimate-capacity", "--model", "smollm2-135m-instruct", *AUDIENCE,
                             "--ttft-slo", "0.001", "--json").stdout)  # fmt: skip
    assert strict["machines"] is None and strict["usd_per_month"] is None  # met at no measured load
    bad = _cli(env, "estimate-capacity", "--model", "smollm2-135m-instruct", *AUDIENCE, "--tpot-slo", "-1")
    assert bad.returncode == 2 and "tpot_s must be at least 0.001" in bad.stderr and "Traceback" not in bad.stderr
