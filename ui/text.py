"""Rendering user and model text safely: escaped markdown, never HTML."""

from __future__ import annotations

import re
from typing import Literal

import streamlit as st

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&:])")


def escape_markdown(text: str) -> str:
    """Text shown literally by ``st.markdown``: every markdown/HTML character escaped,
    line breaks kept (so no link, image, autolink or markup can come from it)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def plural(count: int, noun: str) -> str:
    """``1 token``, ``2 tokens``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def notice(
    kind: Literal["info", "success", "warning", "error", "toast"], message: str, icon: str | None = None
) -> None:
    """A message that may carry user input (a lane, a file's content, a server's reply), always escaped."""
    getattr(st, kind)(escape_markdown(message), icon=icon)
