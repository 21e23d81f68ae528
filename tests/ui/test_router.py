"""The router: every page's URL path opens that page through app.py (sidebar and all) with its query string,
also as a fresh server's first request; and the UI uses Streamlit's public API only.

A ``pages/`` folder beside the entry script makes Streamlit serve its scripts as a legacy multipage app until some
session calls ``st.navigation``, so a first request for ``/cost`` runs ``pages/cost.py`` alone. AppTest starts every
run that way, so these tests open each page as such a first request; ``ui.state._go_through_the_router`` sends it
through the router. The browser test ``test_a_direct_link_to_a_page_on_a_fresh_server_goes_through_the_router``
shows the same on a real server."""

from __future__ import annotations

import ast
import types
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.test_architecture import ui_files
from tests.ui.helpers import ROOT
from ui.state import PAGES, RUN_ALONE, heading

TITLES = {name: heading(name) for name, *_ in PAGES}
SIDEBAR_LABEL = "Machine price ($/hour)"
PUBLIC_STREAMLIT = {"streamlit", "streamlit.column_config", "streamlit.components.v1"}
"""The Streamlit modules the UI may import: ``st`` and the documented public submodules."""


def first_request(path: str, **query: str | list[str]) -> AppTest:
    """A fresh session's first run at ``/<path>?<query>``."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    if path:
        at.switch_page(f"pages/{path}.py")
    return at


def query(at: AppTest, key: str) -> list[str]:
    value = at.query_params[key]
    return list(value) if isinstance(value, list) else [value]


def sidebar_labels(at: AppTest) -> list[str]:
    return [widget.label for widget in at.sidebar.number_input]


@pytest.mark.parametrize("name", [name for name, *_ in PAGES])
def test_each_page_path_opens_that_page_through_the_router_keeping_the_query(name):
    key, value = ("mode", "race") if name == "compare" else ("keep", "this")  # Compare writes its own query string
    at = first_request(name, **{key: value}).run()
    assert not at.exception
    assert at.title[0].value == TITLES[name]
    assert SIDEBAR_LABEL in sidebar_labels(at)  # the router ran: its sidebar is there
    assert query(at, key) == [value]


@pytest.mark.parametrize("path", ["", "compare"])
def test_a_share_link_opens_compare_with_its_prompt_and_lanes(path):
    lanes = ["smollm2-135m-instruct:max_new_tokens=5", "gemma3-270m:max_new_tokens=7"]
    at = first_request(path, prompt="Name a fruit.", lane=lanes, mode="race").run()
    assert not at.exception
    assert at.title[0].value == heading("compare")
    assert SIDEBAR_LABEL in sidebar_labels(at)
    assert at.text_area(key="prompt").value == "Name a fruit."
    assert [s.value for s in at.selectbox if s.label == "Model"] == ["smollm2-135m-instruct", "gemma3-270m"]
    assert at.session_state["mode"] == "race"
    assert query(at, "lane") == lanes


def test_streamlit_still_runs_a_pages_folder_script_alone_on_a_first_request():
    """Why the router check exists. The day this fails (the page gets the router's sidebar without it), Streamlit no
    longer serves ``pages/`` as a legacy multipage app: ``_go_through_the_router`` can go."""
    at = first_request("cost")
    at.session_state[RUN_ALONE] = True  # the page does not hand its run to the router
    at.run()
    assert not at.exception
    assert at.title[0].value == heading("cost")
    assert SIDEBAR_LABEL not in sidebar_labels(at)


def test_a_page_run_as_the_entry_script_renders_alone_after_one_try():
    """``streamlit run pages/cost.py``: the rerun cannot reach the router, so the page runs alone, no rerun loop."""
    at = AppTest.from_file(str(ROOT / "pages" / "cost.py"), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == heading("cost")


def _streamlit_names(tree: ast.AST) -> set[str]:
    """The local names bound to the ``streamlit`` package (``import streamlit as st``)."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name == "streamlit"
    }


def private_streamlit_uses(files: list[Path]) -> dict[str, list[str]]:
    """Per file: imports of Streamlit modules outside ``PUBLIC_STREAMLIT`` (``streamlit.runtime``, ``.web``,
    ``.elements``, ``.errors``, ...), and ``_``-prefixed attributes or non-public submodules reached from ``st``."""
    found: dict[str, list[str]] = {}
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _streamlit_names(tree)
        uses = sorted({use for node in ast.walk(tree) for use in _private_uses(node, names)})
        if uses:
            found[path.name] = uses
    return found


def _private_uses(node: ast.AST, names: set[str]) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.startswith("streamlit.") and a.name not in PUBLIC_STREAMLIT]
    if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "streamlit":
        if node.module not in PUBLIC_STREAMLIT:
            return [node.module]
        return [f"{node.module}.{a.name}" for a in node.names if _private(node.module, a.name)]
    if not isinstance(node, ast.Attribute):
        return []
    if isinstance(node.value, ast.Name) and node.value.id in names:
        return [f"{node.value.id}.{node.attr}"] if _private("streamlit", node.attr) else []
    underscored = node.attr.startswith("_") and not node.attr.startswith("__")
    return [ast.unparse(node)] if underscored and _root_name(node) in names else []


def _private(module: str, name: str) -> bool:
    """``name`` of ``module`` is private: ``_``-prefixed, or a submodule that is not public (``st.runtime``)."""
    if name.startswith("_"):
        return True
    value = getattr(st, name, None) if module == "streamlit" else None
    public = any(f"{p}.".startswith(f"streamlit.{name}.") for p in PUBLIC_STREAMLIT)  # st.components.v1: public
    return isinstance(value, types.ModuleType) and not public


def _root_name(node: ast.expr) -> str:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def test_the_ui_uses_only_streamlits_public_api():
    assert private_streamlit_uses(ui_files()) == {}


def test_the_public_api_check_catches_private_streamlit_uses(tmp_path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "ui").mkdir()
    (tmp_path / "app.py").write_text("import streamlit as st\nst.navigation([]).run()\n")
    (tmp_path / "pages" / "ok.py").write_text(
        "import streamlit as st\nimport streamlit.components.v1 as components\nfrom streamlit import column_config\n"
        "st.session_state['_key'] = st.column_config.NumberColumn()\n"
    )
    (tmp_path / "ui" / "sneaky.py").write_text(
        "import streamlit as st\nimport streamlit.web.bootstrap\nfrom streamlit.errors import StreamlitAPIException\n"
        "from streamlit import runtime\n"
        "def f():\n"
        "    from streamlit.runtime.pages_manager import PagesManager\n"
        "    st.session_state._state.clear()\n"
        "    return st._main, st.runtime.exists()\n"
    )
    assert private_streamlit_uses(ui_files(tmp_path)) == {
        "sneaky.py": [
            "st._main",
            "st.runtime",
            "st.session_state._state",
            "streamlit.errors",
            "streamlit.runtime",
            "streamlit.runtime.pages_manager",
            "streamlit.web.bootstrap",
        ]
    }


def test_at_most_seven_pages_each_heading_asks_its_question_under_a_short_label():
    assert len(PAGES) <= 7 and [name for name, *_ in PAGES][:2] == ["tour", "compare"]  # the Tour lands, /compare
    for name, label, _, question in PAGES:
        assert len(label) <= 16 and question.endswith("?") and len(question) <= 56  # one line at 1400 px
        assert heading(name) == question
    assert [label.split()[0] for _, label, *_ in PAGES][:2] == ["Tour", "Compare"]


def test_the_trade_offs_are_historys_summary_view():
    at = first_request("history", view="summary").run()
    assert not at.exception
    assert at.title[0].value == heading("history")
    assert at.segmented_control(key="history_view").value == "summary"
    assert any("No saved runs yet" in info.value for info in at.info) or at.get("vega_lite_chart")
