"""Bundles: the schema refuses every hostile file the report found, and exports are standard JSON."""

from __future__ import annotations

import io
import json
import math

import pytest

from inference_core.history.bundle import (
    MAX_BUNDLE_BYTES,
    BundleError,
    dump_bundle,
    parse_bundle,
    read_limited,
)
from inference_core.history.store import RunStore
from inference_core.types import RunResult, Settings
from tests.history.test_store import bundle_with


def nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = {"k": value}
    return value


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"runs__0__lanes__0__lane": 10**30}, "runs.0.lanes.0.lane"),
        ({"runs__0__lanes__0__result__ok": "yes"}, "runs.0.lanes.0.result.ok"),
        ({"runs__0__lanes__0__result__text": 42}, "runs.0.lanes.0.result.text"),
        ({"runs__0__lanes__0__result__model_name": ["a"]}, "result.model_name"),
        ({"runs__0__meta": "a string"}, "runs.0.meta"),
        ({"runs__0__lanes__0__extra": [1, 2]}, "runs.0.lanes.0.extra"),
        ({"runs__0__lanes__0__result__token_times_s": [1e9]}, "token_times_s"),
        ({"runs__0__lanes__0__result__token_times_s": [0.2, 0.1]}, "never decrease"),
        ({"runs__0__lanes__0__result__settings": {"dtype": "fp8"}}, "dtype must be one of"),
        ({"runs__0__lanes__0__result__e2e_s": -1}, "e2e_s"),
        ({"runs__0__lanes__0__result__surprise": 1}, "surprise"),
        ({"runs__0__meta": nested(900)}, "nested too deeply"),
    ],
)
def test_a_field_of_the_wrong_type_or_range_is_refused_by_name(changes, message):
    with pytest.raises(BundleError, match=message):
        parse_bundle(bundle_with(**changes))


def test_duplicate_lane_numbers_are_refused():
    run = json.loads(bundle_with())
    run["runs"][0]["lanes"] *= 2
    with pytest.raises(BundleError, match="lane numbers must be unique"):
        parse_bundle(json.dumps(run))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (bundle_with().replace('"p"', '"\\ud800"'), "lone surrogate"),
        (bundle_with().replace('"ok": true', '"ok": true, "ttft_s": NaN'), "NaN"),
        (bundle_with().replace('"ok": true', '"ok": true, "ttft_s": Infinity'), "Infinity"),
    ],
)
def test_malformed_json_is_refused_with_a_message(raw, message):
    with pytest.raises(BundleError, match=message):
        parse_bundle(raw)


def test_reading_is_bounded_before_the_whole_file_is_read():
    endless = io.BytesIO(b"x" * (MAX_BUNDLE_BYTES + 10))
    with pytest.raises(BundleError, match="over 64 MB"):
        read_limited(endless)
    assert endless.tell() == MAX_BUNDLE_BYTES + 1
    with open("/dev/zero", "rb") as zero, pytest.raises(BundleError, match="over 64 MB"):
        read_limited(zero)


def test_a_result_refuses_nan_and_an_export_with_nan_elsewhere_is_standard_json(tmp_path):
    with pytest.raises(ValueError, match="ttft_s"):
        RunResult(model="m", model_name="M", settings=Settings(), ok=True, ttft_s=math.nan)
    store = RunStore(tmp_path / "runs.sqlite3")
    run_id = store.start_run("compare", "p", meta={"hourly_usd": math.nan})
    store.save_lane(run_id, 0, RunResult(model="m", model_name="M", settings=Settings(), ok=True, ttft_s=0.5))
    text = dump_bundle(store.export_bundle())
    assert "NaN" not in text and json.loads(text)["runs"][0]["meta"]["hourly_usd"] is None
    assert RunStore(tmp_path / "other.sqlite3").import_bundle(text) == (1, 0)


def test_an_imported_run_opens_and_replays_in_history_terms(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite3")
    assert store.import_bundle(bundle_with(runs__0__meta={"mode": "race", "lanes": ["m"]})) == (1, 0)
    run = store.get_run("a" * 32)
    assert run.meta["mode"] == "race" and run.results[0].ok is True and run.extras == [{}]


OLD_SETTINGS = {
    "dtype": "float32", "quantize": "none", "device": "cpu", "threads": None, "max_new_tokens": 8, "min_new_tokens": 0,
    "temperature": 0.0, "top_p": 1.0, "seed": 0, "engine": "transformers", "attention": "sdpa", "cache": "dynamic",
    "compile": False, "logprobs": 0, "batching": "none",
}  # fmt: skip
"""A lane's settings as the last release exported them: flat, every field."""


@pytest.mark.parametrize(
    ("settings", "decode_loop", "engine"),
    [
        ({**OLD_SETTINGS, "decoder": "fused"}, "fused", "transformers"),  # the last release's default lane
        ({**OLD_SETTINGS, "decoder": None}, "generate", "transformers"),  # saved before the fused decoder
        ({**OLD_SETTINGS, "engine": "llama.cpp", "decoder": "fused"}, "llama.cpp", "llama.cpp"),
        ({**OLD_SETTINGS, "dtype": "bfloat16"}, "generate", "transformers"),  # before ``decoder`` existed
    ],
)
def test_bundles_written_by_earlier_versions_still_import(tmp_path, settings, decode_loop, engine):
    store = RunStore(tmp_path / "runs.sqlite3")
    old = bundle_with(runs__0__lanes__0__result__settings=settings,
                      runs__0__lanes__0__result__top_logprobs=[[["a", -0.1], ["b", -2.5]]])  # fmt: skip
    assert store.import_bundle(old) == (1, 0)
    [result] = store.get_run("a" * 32).results
    assert (result.settings.decode_loop, result.settings.engine) == (decode_loop, engine)
    assert result.settings.max_new_tokens == 8 and result.top_logprobs == ((("a", -0.1), ("b", -2.5)),)
    again = RunStore(tmp_path / "again.sqlite3")
    assert again.import_bundle(dump_bundle(store.export_bundle())) == (1, 0)  # and round-trips in the new form
    assert again.get_run("a" * 32).results == [result]


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"runs__0__lanes__0__result__token_times_s": [0.1, 500000]}, "token_times_s: 500000 s is over the 3600 s"),
     ({"runs__0__lanes__0__result__tokens_out": 10**12}, "tokens_out: more than 10,000,000 tokens")],
)  # fmt: skip
def test_what_a_replay_would_wait_for_is_bounded(tmp_path, changes, message):
    with pytest.raises(BundleError, match=message):
        RunStore(tmp_path / "runs.sqlite3").import_bundle(bundle_with(**changes))


def test_each_result_names_the_decode_loop_that_ran():
    plain = RunResult(model="m", model_name="M", settings=Settings(), ok=True)
    assert plain.decoder == "generate"
    assert plain.replace(settings=Settings(decoder="fused")).decoder == "fused"
    assert plain.replace(backend="openai").decoder == "openai"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"runs__0__created_at": "yesterday-ish"}, "created_at: must be an ISO 8601 date and time"),
        ({"runs__0__prompt": "a\x00b"}, "prompt contains a NUL character"),
        ({"runs__0__lanes__0__result__token_times_s": [0.01 * i for i in range(100_000)]},
         "token_times_s holds 100,000 entries for 8 tokens"),
    ],
)  # fmt: skip
def test_an_impossible_record_is_refused_by_name(tmp_path, changes, message):
    with pytest.raises(BundleError, match=message):
        RunStore(tmp_path / "runs.sqlite3").import_bundle(bundle_with(**changes))


def test_two_runs_under_one_id_are_a_conflict_reported_by_id(tmp_path):
    store = RunStore(tmp_path / "runs.sqlite3")
    first = json.loads(bundle_with())
    twice = {**first, "runs": [first["runs"][0], {**first["runs"][0], "prompt": "another"}]}
    with pytest.raises(BundleError, match=f"run {'a' * 32} appears more than once in the bundle: nothing imported"):
        store.import_bundle(json.dumps(twice))
    assert store.import_bundle(bundle_with()) == (1, 0)
    assert store.import_bundle(bundle_with()) == (0, 1)  # the same run again: already present
    with pytest.raises(BundleError, match=f"a different run is already saved under the id {'a' * 32}"):
        store.import_bundle(bundle_with(runs__0__prompt="another"))
