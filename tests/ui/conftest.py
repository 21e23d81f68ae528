from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.helpers import page


@pytest.fixture
def app() -> AppTest:
    """The Compare page as a user works it, run after run. On its own: AppTest forgets between runs that the router
    called ``st.navigation``, so from its second run on it runs a ``pages/`` script alone, as a fresh server would
    (the router's own tests are in test_router.py)."""
    return page("compare")


@pytest.fixture
def fresh_engine() -> Iterator[None]:
    """The test's pages build their engine anew, reading the operator's settings the test set (a server reads them
    once, when its engine is made); afterwards the next test gets a fresh one too."""
    from ui.resources import engine

    engine.clear()
    yield
    engine.clear()
