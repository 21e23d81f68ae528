from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.helpers import ROOT


@pytest.fixture
def app() -> AppTest:
    """The whole app (router + pages), as a user opens it."""
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
