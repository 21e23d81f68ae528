"""Rendering model output safely: escaped markdown, never HTML."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&:])")


def escape_markdown(text: str) -> str:
    """Text shown literally by ``st.markdown``: every markdown/HTML character escaped,
    line breaks kept."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")
