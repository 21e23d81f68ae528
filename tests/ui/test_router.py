"""The router's one workaround: Streamlit treats an app with a ``pages/`` folder as a legacy multipage app
until ``st.navigation`` runs, so a fresh server's first direct link to a page would run it bare.
``ui.state._leave_legacy_pages_mode`` clears that flag; the browser test
``test_a_direct_link_to_a_page_on_a_fresh_server_goes_through_the_router`` shows it working."""

from __future__ import annotations

from streamlit.runtime.pages_manager import PagesManager

from tests.ui.helpers import ROOT


def test_streamlit_still_marks_an_app_with_a_pages_folder_as_legacy():
    """The day this fails, Streamlit no longer needs the workaround: delete ``_leave_legacy_pages_mode``."""
    saved = PagesManager.uses_pages_directory
    try:
        PagesManager.uses_pages_directory = None
        PagesManager(str(ROOT / "app.py"))
        assert PagesManager.uses_pages_directory is True
    finally:
        PagesManager.uses_pages_directory = saved
