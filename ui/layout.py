"""Layout helpers shared by the pages' views."""

from __future__ import annotations

from typing import Any

import streamlit as st

from inference_core.types import Bounds
from ui import state


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


def bounded_number(where: Any, label: str, bounds: Bounds, default: Any = None, **kwargs: Any) -> Any:
    """A number input offering exactly what the engine declares: its bounds and default (or ``default``), all of
    one numeric type as Streamlit asks (float when the default or a bound is)."""
    low, high, declared = bounds
    value = declared if default is None else default
    kind = float if any(isinstance(v, float) for v in (low, high, value)) else int
    cast = [None if v is None else kind(v) for v in (low, high, value)]
    return where.number_input(label, cast[0], cast[1], cast[2], **kwargs)


def page_link(name: str, label: str, icon: str, query: dict[str, str] | None = None) -> None:
    """A link to another of the app's pages (``state.PAGES``), by its file name; also drawn when a page runs alone."""
    st.page_link(state.page(name), label=label, icon=icon, query_params=query)


def new_link(page: str) -> bool:
    """True the first time this session sees the page's current query string (a link to fill inputs in from),
    so a link fills them once and the visitor's own changes are kept after."""
    key, link = f"_linked_{page}", str(sorted(st.query_params.to_dict().items()))
    if not st.query_params or st.session_state.get(key) == link:
        return False
    st.session_state[key] = link
    return True
