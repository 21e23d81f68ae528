"""Helpers for browser tests."""


def app_button(page, label: str):
    """The app's own button (Streamlit's header has Stop/Rerun buttons too; stale copies may linger)."""
    return page.locator('button:not([kind="header"])').filter(has_text=label).first
