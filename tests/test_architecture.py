"""The layering contract, checked on the source: the UI enters the engine through its facade, the engine never
imports Streamlit, the engine has no import circle, and no function grows past 60 lines."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "inference_core"
UI_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
ENGINE_FILES = sorted(ENGINE.rglob("*.py"))
FORBIDDEN_IN_UI = (
    "inference_core.backends",
    "inference_core.models.weights",
    "inference_core.models.hub",
    "inference_core.history.store",
)
MAX_FUNCTION_LINES = 60


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module a file imports, at module level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_pages_and_ui_enter_the_engine_only_through_its_facade():
    offenders = {
        str(path.relative_to(ROOT)): sorted(name for name in imports(path) if name.startswith(FORBIDDEN_IN_UI))
        for path in UI_FILES
    }
    assert {file: names for file, names in offenders.items() if names} == {}


def test_the_engine_never_imports_streamlit():
    offenders = [
        str(p.relative_to(ROOT)) for p in ENGINE_FILES if any(n.split(".")[0] == "streamlit" for n in imports(p))
    ]
    assert offenders == []


def engine_graph() -> dict[str, set[str]]:
    modules = {module_name(path): path for path in ENGINE_FILES}
    return {name: {n for n in imports(path) if n in modules and n != name} for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle, as the list of modules around it; empty when there is none."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for child in sorted(graph[node]):
            if state.get(child) == 1:
                return [*stack[stack.index(child) :], child]
            if child not in state and (cycle := visit(child)):
                return cycle
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_the_engine_has_no_import_circle():
    assert find_cycle(engine_graph()) == []


def test_the_cycle_finder_finds_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_function_in_the_engine_or_ui_is_over_60_lines():
    long = []
    for path in [*ENGINE_FILES, *(ROOT / "ui").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []


def test_every_engine_module_has_its_own_test_file():
    tests = {path.stem for path in (ROOT / "tests").rglob("test_*.py")}
    missing = [
        module_name(path)
        for path in ENGINE_FILES
        if path.stem not in ("__init__", "__main__") and f"test_{path.stem}" not in tests
    ]
    assert missing == []
