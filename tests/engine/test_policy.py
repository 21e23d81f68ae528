"""Policy inside the engine: every caller (UI, CLI, a script) meets the same operator limits and defaults,
declared once: a request past a limit is refused before anything runs, naming the setting and its limit."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from inference_core.engine import Engine, LimitError
from inference_core.experiments.plans import plan_sweep
from inference_core.experiments.questions import builtin_questions
from inference_core.operator import OperatorSettings
from inference_core.runs.lanes import Lane
from inference_core.types import Settings

MODEL = "smollm2-135m-instruct"


def engine_with(tmp_path, **limits) -> Engine:
    return Engine(store_path=tmp_path / "runs.sqlite3", limits=OperatorSettings(**limits))


def test_a_run_past_the_output_limit_is_refused_by_name_before_any_model_loads(tmp_path):
    engine = engine_with(tmp_path, max_new_tokens=16)
    with pytest.raises(LimitError, match=r"24 new tokens; this deployment allows at most 16 \(max_new_tokens"):
        engine.compare("Hi", [Lane(MODEL, Settings(max_new_tokens=24))])
    with pytest.raises(LimitError, match="max_new_tokens"):
        engine.comparison("Hi", [Lane(MODEL, Settings(max_new_tokens=24))])
    assert engine.loaded() == []


@pytest.mark.slow
def test_lanes_prompt_and_repeats_are_held_to_their_limits_for_every_kind_of_run(tmp_path):
    engine = engine_with(tmp_path, max_lanes=1, max_prompt_chars=10, max_repeats=2)
    two = [Lane(MODEL), Lane(MODEL, Settings(dtype="bfloat16"))]
    with pytest.raises(LimitError, match=r"2 lanes; this deployment allows at most 1 \(max_lanes"):
        engine.compare("Hi", two)
    with pytest.raises(LimitError, match=r"at most 10 \(max_prompt_chars"):
        engine.compare("A prompt of more than ten characters", [Lane(MODEL)])
    sweep = plan_sweep("output-length", [MODEL], base=Settings(max_new_tokens=4), lengths=[2, 4], repeats=3)
    with pytest.raises(LimitError, match=r"3 repeats; this deployment allows at most 2 \(max_repeats"):
        engine_with(tmp_path, max_repeats=2).sweep(sweep)
    with pytest.raises(LimitError, match="max_prompt_chars"):
        engine.evaluation(builtin_questions(), [Lane(MODEL)])
    assert engine.loaded() == []


def test_a_reference_kind_the_operator_does_not_allow_is_refused(tmp_path):
    engine = engine_with(tmp_path, allowed_references=("catalog",))
    with pytest.raises(LimitError, match="hf references are not allowed"):
        engine.compare("Hi", [Lane("hf:HuggingFaceTB/SmolLM2-360M-Instruct")])


def test_defaults_and_bounds_fit_the_limits_and_the_default_run_is_admitted(tmp_path):
    low, high, default = Settings.bounds("max_new_tokens")
    assert (low, high, default) == (1, 1_000_000, Settings().max_new_tokens)
    engine = engine_with(tmp_path, max_new_tokens=3)
    assert engine.bounds("max_new_tokens") == (1, 3, 3)
    assert engine.default_settings().max_new_tokens == 3
    [result] = engine.compare("Name a colour.", [Lane(MODEL, engine.default_settings())])
    assert result.ok and result.tokens_out <= 3
    wide = engine_with(tmp_path)
    assert wide.bounds("max_new_tokens")[1] == OperatorSettings().max_new_tokens
    assert wide.default_settings() == Settings()


def test_every_form_declares_its_bounds_once_and_the_engine_offers_them_within_the_limits(tmp_path):
    from inference_core import Audience, LatencyObjective, Samples, Traffic, TrafficOptions
    from inference_core.types import MachinePrice

    engine = engine_with(tmp_path, max_lanes=3)
    assert engine.bounds("count", Samples) == (1, 2, 2)  # two samples and the greedy lane: three lanes
    assert engine_with(tmp_path, max_lanes=20).bounds("count", Samples) == Samples.bounds("count") == (1, 8, 4)
    assert engine.bounds("time_limit_s", TrafficOptions) == (5, 3600, 120.0)
    assert engine.bounds("context").default == 2048
    assert Audience.bounds("peak_factor") == (1, 100, 3.0) and Traffic.bounds("tokens_out").low == 0
    assert MachinePrice.bounds("utilization") == (0.01, 1, None)
    lanes = Samples(count=2, temperature=0.5).lanes(MODEL, engine.default_settings())
    assert [(lane.settings.temperature, lane.settings.seed) for lane in lanes] == [(0.0, 0), (0.5, 1), (0.5, 2)]
    assert engine.problems("Hi", lanes) == []
    for form, values, message in (
        (TrafficOptions, {"time_limit_s": 1}, "time_limit_s must be at least 5, got 1"),
        (LatencyObjective, {"tpot_s": 0}, "tpot_s must be at least 0.001, got 0"),
        (Samples, {"temperature": 3}, "temperature must be at most 2, got 3"),
        (MachinePrice, {"hourly_usd": float("inf")}, "hourly_usd must be a finite number, got inf"),
    ):
        with pytest.raises(ValueError) as refused:
            form(**values)
        assert str(refused.value) == message


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "inference_core", *args], capture_output=True, text=True,
                          timeout=300, env={**os.environ, **env})  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({"INFERENCE_LENS_MAX_NEW_TOKENS": "16"}, ["--max-new-tokens", "64", "--model", MODEL],
         "error: lane 1: 64 new tokens; this deployment allows at most 16 (max_new_tokens, "
         "INFERENCE_LENS_MAX_NEW_TOKENS)"),
        ({"INFERENCE_LENS_MAX_LANES": "1"}, ["--model", MODEL, "--model", f"{MODEL}:quantize=int8"],
         "error: 2 lanes; this deployment allows at most 1 (max_lanes, INFERENCE_LENS_MAX_LANES)"),
    ],
)  # fmt: skip
def test_the_cli_refuses_a_request_past_a_limit_in_one_line(env, args, message):
    done = cli(env, "compare", "--prompt", "Hi", *args)
    assert done.returncode == 2
    assert done.stderr.strip() == message and done.stdout == ""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sweep", "--experiment", "traffic", "--model", MODEL, "--time-limit", "1"],
         "error: time_limit_s must be at least 5, got 1.0"),
        (["estimate-capacity", "--model", MODEL, "--users", "10", "--requests-per-day", "1", "--tokens-in", "5",
          "--tokens-out", "5", "--peak-factor", "0.5"], "error: peak_factor must be at least 1, got 0.5"),
        (["estimate", MODEL, "--context", "0"], "error: context must be between 1 and 131,072 tokens, got 0"),
    ],
)  # fmt: skip
def test_the_cli_refuses_a_value_past_its_declared_bound_in_one_line(args, message):
    done = cli({}, *args)
    assert (done.returncode, done.stderr.strip(), done.stdout) == (2, message, "")


@pytest.mark.slow
def test_the_cli_default_output_length_fits_the_operators_limit():
    done = cli({"INFERENCE_LENS_MAX_NEW_TOKENS": "4"}, "compare", "--prompt", "Hi", "--model", MODEL, "--json")
    assert done.returncode == 0, done.stderr
    assert '"max_new_tokens": 4' in done.stdout


def test_a_sweep_is_held_to_the_prompt_and_output_limits_of_its_every_point(tmp_path):
    from inference_core.experiments.plans import TrafficOptions
    from inference_core.experiments.traffic import OutputLengths

    engine = engine_with(tmp_path, max_prompt_chars=50, max_new_tokens=16, max_repeats=2)
    long_inputs = plan_sweep("input-length", [MODEL], base=Settings(max_new_tokens=4), lengths=[2000], repeats=1)
    with pytest.raises(LimitError, match="max_prompt_chars"):
        engine.sweep(long_inputs)
    traffic = plan_sweep("traffic", [f"{MODEL}:batching=continuous,max_new_tokens=8"], lengths=[1],
                         traffic=TrafficOptions(output_lengths=OutputLengths.parse("8-1000")))  # fmt: skip
    assert engine.sweep_problems(traffic) == [
        "lane 1: 1000 new tokens; this deployment allows at most 16 (max_new_tokens, INFERENCE_LENS_MAX_NEW_TOKENS)"
    ]
    assert engine.bounds("repeats") == (1, 2, 2)


def test_tokenizing_is_held_to_the_allowed_references_and_the_prompt_limit(tmp_path):
    engine = engine_with(tmp_path, allowed_references=("catalog",), max_prompt_chars=10)
    with pytest.raises(LimitError, match="hf references are not allowed"):
        engine.tokenize("hf:HuggingFaceTB/SmolLM2-360M-Instruct", "Hi")
    with pytest.raises(LimitError, match="max_prompt_chars"):
        engine.count_tokens(MODEL, "A text of more than ten characters")
    assert engine.loaded() == []


def test_private_endpoints_follow_the_engines_operator_setting_unless_a_caller_says(tmp_path):
    from inference_core.engine import Access

    assert engine_with(tmp_path, allow_private_endpoints=True)._context(Access()).allow_private_endpoints
    assert not engine_with(tmp_path)._context(Access()).allow_private_endpoints


def test_the_default_size_ladder_fits_the_lane_limit_from_smallest_to_largest(tmp_path):
    from inference_core.models.catalog import builtin_models
    from inference_core.models.sizing import ladder

    every = ladder(builtin_models(), Settings())
    assert len(every) >= 3  # the packaged models and the shape-only sizes that fit here
    two = engine_with(tmp_path, max_lanes=2).size_ladder(builtin_models(), Settings())
    assert two == [every[0], every[-1]]
    assert engine_with(tmp_path, max_lanes=64).size_ladder(builtin_models(), Settings()) == every
