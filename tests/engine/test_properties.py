"""Property-based tests: hostile prompts, lane strings, settings and bundles each give a result or a
one-line message, never a traceback and never a hang (pytest-timeout guards the hang)."""

from __future__ import annotations

import json
import math
import threading

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from inference_core.backends.replay import ReplayBackend
from inference_core.cli import UsageError, parse_lanes
from inference_core.history.bundle import BundleError, parse_bundle
from inference_core.history.store import RunRecorder, RunStore
from inference_core.models.catalog import resolve_reference
from inference_core.runs.lanes import Lane
from inference_core.runs.runner import run_lane
from inference_core.types import GenerationRequest, RunResult, Settings, problem
from tests.history.test_store import bundle_with

MARKUP = st.sampled_from(["<script>alert(1)</script>", "![x](//evil/p.png)", "**bold** `code`", "\u202eevil\u202c"])
HOSTILE_TEXT = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=200),  # NUL, lone surrogates, controls
    st.text(st.characters(min_codepoint=0x0590, max_codepoint=0x06FF), min_size=1, max_size=100),  # right to left
    MARKUP,
)
SLOW = settings(deadline=None, max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])


def one_line(message: str) -> bool:
    return bool(message.strip()) and "\n" not in message.strip() and "Traceback" not in message


@pytest.mark.slow
@SLOW
@given(prompt=HOSTILE_TEXT)
@example(prompt="a" * 1_000_000)
@example(prompt="before\x00after")
@example(prompt="lone \ud800 surrogate")
def test_any_prompt_gives_a_result_or_a_one_line_message(context, tmp_path_factory, prompt):
    store = RunStore(tmp_path_factory.mktemp("props") / "runs.sqlite3")
    recorder = RunRecorder(store, "compare", prompt)
    result = run_lane(0, Lane("smollm2-135m-instruct", Settings(max_new_tokens=1)), prompt, context)
    recorder(0, result)
    assert isinstance(result, RunResult)
    assert result.ok or one_line(result.error), result.error
    assert all(one_line(error) for error in recorder.errors)
    json.dumps(result.model_dump(mode="json"), default=str)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=120), st.from_regex(r"[a-z0-9:@/._\[\]-]{1,40}(:\w+=[^,:=]{0,12}){0,3}")))
@example(text="openai:x@http://127.0.0.1:99999/v1")
@example(text="openai:x@http://[::1/v1")
@example(text="replay:" + "0" * 32 + "/99999999999999999999")
@example(text="smollm2-135m-instruct:dtype=float32,dtype=bfloat16")
def test_any_lane_string_parses_or_is_a_one_line_usage_error(text):
    try:
        lanes = parse_lanes([text], Settings())
    except UsageError as exc:
        assert str(exc).strip(), "an empty message"  # main() prints it on one line (tested in test_cli)
    else:
        assert len(lanes) == 1 and isinstance(lanes[0].settings, Settings)


NUMBERS = st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=True, allow_infinity=True))


@settings(max_examples=400, deadline=None)
@given(
    max_new_tokens=st.integers(min_value=-5, max_value=2_000_000),
    min_new_tokens=st.integers(min_value=-5, max_value=2_000_000),
    temperature=NUMBERS,
    top_p=NUMBERS,
    seed=st.integers(min_value=-(2**70), max_value=2**70),
    threads=st.one_of(st.none(), st.integers(min_value=-5, max_value=10**6)),
    dtype=st.sampled_from(["float32", "bfloat16", "float16", "int4", ""]),
)
def test_settings_at_and_past_every_bound_construct_or_name_the_field(**values):
    try:
        made = Settings(**values)
    except ValidationError as exc:
        message = problem(exc)  # what the CLI and the UI show
        assert one_line(message) and any(name in message for name in values), message
    else:
        assert 1 <= made.max_new_tokens <= 1_000_000 and 0 <= made.min_new_tokens <= made.max_new_tokens
        assert math.isfinite(made.temperature) and 0 < made.top_p <= 1


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = [
    "runs__0__id", "runs__0__kind", "runs__0__prompt", "runs__0__meta", "runs__0__lanes__0__lane",
    "runs__0__lanes__0__extra", "runs__0__lanes__0__result__ok", "runs__0__lanes__0__result__text",
    "runs__0__lanes__0__result__settings", "runs__0__lanes__0__result__token_times_s",
    "runs__0__lanes__0__result__token_texts", "runs__0__lanes__0__result__e2e_s", "runs__0__lanes__0__result__notes",
]  # fmt: skip


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=JSON_VALUES)
def test_a_bundle_with_any_field_replaced_imports_or_is_refused_whole(context, tmp_path_factory, field, value):
    store = RunStore(tmp_path_factory.mktemp("bundles") / "runs.sqlite3")
    raw = bundle_with(**{field: value})
    try:
        parse_bundle(raw)
    except BundleError as exc:
        assert one_line(str(exc)), str(exc)
        with pytest.raises(BundleError):
            store.import_bundle(raw)
        assert store.list_runs() == []
        return
    store.import_bundle(raw)
    run = store.get_run("a" * 32)
    replay = ReplayBackend(type(context)(pool=context.pool, store_path=store.path))
    for lane in range(len(run.results)):
        spec = resolve_reference(f"replay:{run.id}/{lane}@instant")
        replayed = replay.run(0, spec, GenerationRequest("p"), lambda event: None, threading.Event())
        assert replayed.ok or one_line(replayed.error)


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=300))
def test_random_bytes_are_never_a_traceback(raw):
    try:
        parse_bundle(raw)
    except BundleError as exc:
        assert one_line(str(exc))
