"""Helpers for AppTest-driven tests."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui.state import RUN_ALONE

ROOT = Path(__file__).resolve().parents[2]


def page(name: str) -> AppTest:
    """One page on its own, without the router (``RUN_ALONE``: it does not hand its run to the router)."""
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=30)
    at.session_state[RUN_ALONE] = True
    return at


def linked(name: str, **query: str) -> AppTest:
    """One page opened from a link with this query string, run once."""
    at = page(name)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def click(at: AppTest, label: str, timeout: float = 240) -> AppTest:
    [button] = [b for b in at.button if b.label == label]
    return button.click().run(timeout=timeout)


def plain(markdown: str) -> str:
    """What an escaped message reads as on the page (backslash escapes removed)."""
    return re.sub(r"\\(.)", r"\1", markdown)
