"""Layout helpers shared by the pages' views."""

from __future__ import annotations

import contextlib
from typing import Any

import streamlit as st


def chart_grid(charts: dict[str, Any], height: int | None = None) -> None:
    """Charts two to a row, each as wide as its column.

    ``height`` is needed for layered charts: Streamlit sizes those by it, not by the spec.
    """
    names = list(charts)
    for start in range(0, len(names), 2):
        for column, name in zip(st.columns(2), names[start : start + 2], strict=False):
            with column:
                if height is None:
                    st.altair_chart(charts[name], width="stretch")
                else:
                    st.altair_chart(charts[name], width="stretch", height=height)


def page_link(page: str, label: str, icon: str) -> None:
    """A link to another page; skipped when this page runs alone (AppTest without the router has no pages)."""
    from streamlit.errors import StreamlitAPIException

    with contextlib.suppress(StreamlitAPIException):
        st.page_link(page, label=label, icon=icon)
