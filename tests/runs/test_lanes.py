"""Lanes: the REF[:key=value,...] syntax, its settings and their messages."""

from __future__ import annotations

import pytest

from inference_core.runs.lanes import format_lane, lane_settings, split_lane
from inference_core.types import Settings


def test_lane_suffix_round_trips():
    ref, overrides = split_lane("smollm2-135m-instruct:dtype=bfloat16,max_new_tokens=16")
    assert ref == "smollm2-135m-instruct"
    settings = lane_settings(Settings(), overrides)
    assert settings.load.dtype == "bfloat16" and settings.max_new_tokens == 16
    assert format_lane(ref, settings) == "smollm2-135m-instruct:dtype=bfloat16,max_new_tokens=16"
    assert split_lane("local:/models/x") == ("local:/models/x", {})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"colour": "red"}, "unknown lane setting"),
        ({"max_new_tokens": "many"}, "max_new_tokens must be an integer"),
        ({"dtype": "float8"}, "dtype must be one of"),
        ({"max_new_tokens": "-3"}, "max_new_tokens must be at least 1"),
        ({"quantize": "int8", "dtype": "bfloat16"}, "needs dtype=float32"),
        ({"temperature": "-1"}, "temperature"),
    ],
)
def test_bad_lane_settings_name_the_field(overrides, message):
    with pytest.raises(ValueError, match=message):
        lane_settings(Settings(), overrides)
