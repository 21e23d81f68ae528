"""A lane: a model reference and its settings, and its one text form ``REF[:key=value,...]``.

The CLI, the share link, sweeps and saved runs all write and read lanes through this module.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from inference_core.types import Settings

SETTINGS_SUFFIX = re.compile(r"^\w+=[^,:=]*(,\w+=[^,:=]*)*$")
LANE_KEYS = {
    "dtype": str,
    "quantize": str,
    "device": str,
    "threads": int,
    "temperature": float,
    "top_p": float,
    "seed": int,
    "max_new_tokens": int,
    "min_new_tokens": int,
    "engine": str,
    "attention": str,
    "cache": str,
    "compile": "flag",
    "logprobs": int,
    "batching": str,
    "decoder": str,
}


@dataclass(frozen=True)
class Lane:
    """One column of a comparison: a model reference and its settings."""

    ref: str
    settings: Settings = field(default_factory=Settings)


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
    """Apply ``key=value`` overrides to settings; unknown keys or bad values raise ValueError."""
    changes: dict[str, Any] = {}
    for key, raw in overrides.items():
        if key not in LANE_KEYS:
            raise ValueError(f"unknown lane setting {key!r}: use {', '.join(LANE_KEYS)}")
        kind = LANE_KEYS[key]
        try:
            changes[key] = _flag(raw) if kind == "flag" else kind(raw)
        except ValueError:
            what = {int: "an integer", float: "a number", "flag": "true or false"}.get(kind, "text")
            raise ValueError(f"{key} must be {what}, got {raw!r}") from None
    return dataclasses.replace(base, **changes)


def _flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    raise ValueError(raw)


def format_lane(ref: str, settings: Settings, base: Settings | None = None) -> str:
    """Inverse of split_lane + lane_settings: only the settings that differ from base."""
    base = base or Settings()
    diff = [f"{key}={getattr(settings, key)}" for key in LANE_KEYS if getattr(settings, key) != getattr(base, key)]
    return f"{ref}:{','.join(diff)}" if diff else ref
