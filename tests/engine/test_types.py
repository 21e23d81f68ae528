"""Value types: validation names the field, results survive a round trip through a dict and JSON."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from inference_core.types import GenerationRequest, MachinePrice, RunResult, Settings, StatusEvent, check_text, problem


def test_a_result_round_trips_through_a_dict():
    result = RunResult(model="m", model_name="M", settings=Settings(dtype="bfloat16"), ok=True, itl_s=(0.1, 0.2),
                       token_times_s=(0.5, 0.6, 0.8), token_texts=("a", "b", "c"), notes=("n",))  # fmt: skip
    assert RunResult.model_validate(result.model_dump()) == result
    assert RunResult.model_validate_json(result.model_dump_json()) == result


@pytest.mark.parametrize(
    ("text", "message"),
    [("caf\udcff", "invalid UTF-8 at character 3"), ("a\x00b", "NUL character at position 1")],
)
def test_text_that_cannot_be_stored_is_refused_with_its_position(text, message):
    with pytest.raises(ValueError, match=message):
        check_text(text, "prompt")
    with pytest.raises(ValueError, match=message):
        GenerationRequest(text)


def test_settings_and_states_name_the_bad_field():
    with pytest.raises(ValueError, match="engine must be one of transformers, llama.cpp, got 'replay'"):
        Settings().replace(engine="replay")
    with pytest.raises(ValidationError) as refused:
        Settings(engine="llama.cpp", dtype="bfloat16")
    assert (
        problem(refused.value) == "dtype does not apply to engine=llama.cpp (it runs the GGUF file's own "
        "quantization on the CPU)"
    )
    with pytest.raises(ValueError, match="state must be one of"):
        StatusEvent(0, "exploded")
    assert Settings(temperature=0).greedy and not Settings(temperature=0.5).greedy


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"hourly_usd": float("inf")}, "hourly_usd"), ({"hourly_usd": 0}, "hourly_usd"),
     ({"hourly_usd": 1e308}, "hourly_usd"), ({"utilization": 0}, "utilization"), ({"utilization": 1.5}, "utilization")],
)  # fmt: skip
def test_a_machine_price_is_finite_above_zero_and_at_most_a_million_dollars_an_hour(changes, field):
    with pytest.raises(ValueError, match=field):
        MachinePrice().replace(**changes)
    assert MachinePrice(hourly_usd=1_000_000, utilization=1).hourly_usd == 1_000_000
