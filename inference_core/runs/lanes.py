"""A lane: a model reference and its settings, and its one text form ``REF[:key=value,...]``.

The CLI, the share link, sweeps and saved runs all write and read lanes through this module.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, ValidationError

from inference_core.types import LOAD_KEYS, Form, Record, Settings, problem

SETTINGS_SUFFIX = re.compile(r"^\w+=[^,:=]*(,\w+=[^,:=]*)*$")
LANE_KEYS = LOAD_KEYS + tuple(name for name in Settings.model_fields if name != "load")
"""Every setting a lane's text may name: the shared generation settings and the engines' load settings."""


class Lane(Record):
    """One column of a comparison: a model reference and its settings."""

    ref: str
    settings: Settings = Field(default_factory=Settings)

    def __init__(self, ref: str, settings: Settings | None = None) -> None:
        super().__init__(ref=ref, settings=settings or Settings())


class Samples(Form):
    """The same prompt sampled with different seeds at one temperature, beside its greedy answer."""

    count: Annotated[int, Field(ge=1, le=8)] = 4
    temperature: Annotated[float, Field(ge=0.1, le=2.0, allow_inf_nan=False)] = 0.8

    def lanes(self, ref: str, base: Settings) -> list[Lane]:
        """The greedy lane, then one lane per seed (1, 2, ...) at the temperature."""
        greedy = base.replace(temperature=0.0)
        return [Lane(ref, greedy)] + [Lane(ref, base.replace(temperature=self.temperature, seed=seed))
                                      for seed in range(1, self.count + 1)]  # fmt: skip


def _pairs(text: str) -> dict[str, str]:
    """``key=value,key=value`` -> a dict; ValueError on a repeated key."""
    pairs: dict[str, str] = {}
    for item in text.split(","):
        key, value = item.split("=", 1)
        if key in pairs:
            raise ValueError(f"lane setting {key!r} is given twice in {text!r}")
        pairs[key] = value
    return pairs


def split_lane(text: str) -> tuple[str, dict[str, str]]:
    """Split ``REF:key=value,...`` into the reference and its raw settings (ValueError on a repeated key)."""
    text = text.strip()
    head, sep, tail = text.rpartition(":")
    if sep and head and SETTINGS_SUFFIX.match(tail):
        return head, _pairs(tail)
    return text, {}


def settings_from_text(text: str, base: Settings) -> Settings:
    """``key=value[,key=value]`` (a settings variant, no reference) applied to ``base``."""
    text = text.strip()
    if not SETTINGS_SUFFIX.match(text):
        raise ValueError("it must look like key=value[,key=value], e.g. dtype=bfloat16")
    return lane_settings(base, _pairs(text))


def lane_settings(base: Settings, overrides: dict[str, str]) -> Settings:
    """Apply ``key=value`` overrides to settings (the schema converts and checks each value); ValueError names
    an unknown key or a bad value."""
    unknown = [key for key in overrides if key not in LANE_KEYS]
    if unknown:
        raise ValueError(f"unknown lane setting {unknown[0]!r}: use {', '.join(LANE_KEYS)}")
    values: dict[str, Any] = {key: raw.strip() for key, raw in overrides.items()}
    try:
        return Settings.model_validate({**base.flat(), **values})
    except ValidationError as exc:
        raise ValueError(problem(exc)) from None


def format_lane(ref: str, settings: Settings, base: Settings | None = None) -> str:
    """Inverse of split_lane + lane_settings: only the settings that differ from base."""
    mine, theirs = settings.flat(), (base or Settings()).flat()
    diff = [f"{key}={mine[key]}" for key in LANE_KEYS if key in mine and mine[key] != theirs.get(key)]
    return f"{ref}:{','.join(diff)}" if diff else ref
