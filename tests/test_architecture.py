"""The layering contract, checked on the source (no git needed): the UI enters the engine through one door, each
wing of the engine imports only the wings below it, the engine never imports Streamlit and has no import circle,
and no function grows past 60 lines."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "inference_core"
ENGINE_FILES = sorted(ENGINE.rglob("*.py"))
MAX_FUNCTION_LINES = 60

THE_DOOR = {"inference_core", "inference_core.engine", "inference_core.types"}
"""The only engine modules app.py, pages/ and ui/ may import: the public face, the Engine, the value types."""

_FOUNDATION = {"types", "operator"}
_DATA = {*_FOUNDATION, "measure", "models", "price", "history"}
ALLOWED = {
    "types": set(),
    "operator": set(),
    "measure": {"types"},
    "models": {*_FOUNDATION, "measure"},
    "price": {*_FOUNDATION, "measure"},
    "history": {*_FOUNDATION, "measure", "models"},
    "charts": {*_FOUNDATION, "measure", "price"},
    "backends": _DATA,
    "runs": {*_DATA, "backends"},
    "experiments": {*_DATA, "backends", "runs"},
    "engine": {*_DATA, "backends", "runs", "experiments", "charts"},
    "cli": {*_DATA, "backends", "runs", "experiments", "charts", "engine", "capacity_cli"},
    "capacity_cli": {*_DATA, "engine"},
    "__main__": {"cli"},
    "__init__": set(),
    "data": set(),
}
"""Which wing (a folder of inference_core, or a module at its top) may import which: each only those below it."""
WINGS = {path.parent.name for path in ENGINE.glob("*/__init__.py")} - {"data"}
"""The engine's folders: another wing enters one only through its ``__init__`` (its public face)."""


def ui_files(root: Path = ROOT) -> list[Path]:
    return [root / "app.py", *sorted((root / "pages").glob("*.py")), *sorted((root / "ui").glob("*.py"))]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, with_names: bool = False) -> set[str]:
    """Every module a file imports, at module level or inside functions (``with_names``: also ``module.name`` for
    each name imported from a module, which may be a submodule)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            if with_names:
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def wing(module: str) -> str:
    """``inference_core.models.catalog`` -> ``models``; ``inference_core.engine`` -> ``engine``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def face_names(path: Path) -> set[str]:
    """The names a file imports from the public face itself (``from inference_core import ...``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 0
            and node.module == "inference_core" for alias in node.names}  # fmt: skip


def door_violations(files: list[Path]) -> dict[str, list[str]]:
    """UI files importing an engine module other than the door's three, or a name the public face does not
    export (``from inference_core import price`` would reach a wing)."""
    import inference_core

    found = {}
    for path in files:
        names = {n for n in imports(path) if n.split(".")[0] == "inference_core" and n not in THE_DOOR}
        names |= {f"inference_core.{name}" for name in face_names(path) if name not in inference_core.__all__}
        if names:
            found[path.name] = sorted(names)
    return found


def wing_violations() -> list[str]:
    """Engine imports that go up or sideways: ``importer -> imported`` where the whitelist has no such edge."""
    found = []
    for path in ENGINE_FILES:
        own = wing(module_name(path))
        for name in imports(path):
            inside = name.split(".")[0] == "inference_core" and name != "inference_core"
            if inside and wing(name) != own and wing(name) not in ALLOWED[own]:
                found.append(f"{module_name(path)} -> {name}")
    return sorted(found)


def engine_sources() -> dict[str, str]:
    return {module_name(path): path.read_text(encoding="utf-8") for path in ENGINE_FILES}


def face_violations(sources: dict[str, str]) -> list[str]:
    """Engine imports (module name -> source) that reach into another wing's modules instead of its public
    face, the names its ``__init__`` exports: ``importer -> imported``."""
    import importlib

    found = []
    for name, source in sources.items():
        own = wing(name)
        for node in ast.walk(ast.parse(source)):
            if not (isinstance(node, ast.ImportFrom) and node.module and node.level == 0):
                continue
            parts = node.module.split(".")
            if parts[0] != "inference_core" or len(parts) < 2 or parts[1] == own or parts[1] not in WINGS:
                continue
            if len(parts) > 2:
                found.append(f"{name} -> {node.module}")
                continue
            face = importlib.import_module(node.module).__all__
            found += [f"{name} -> {node.module}.{alias.name}" for alias in node.names if alias.name not in face]
    return sorted(found)


def test_pages_and_ui_enter_the_engine_only_through_the_door():
    assert door_violations(ui_files()) == {}


def test_the_door_check_catches_a_ui_file_reaching_past_the_door(tmp_path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "ui").mkdir()
    (tmp_path / "app.py").write_text("from inference_core import Lane\nfrom inference_core.engine import Engine\n")
    (tmp_path / "ui" / "sneaky.py").write_text("def f():\n    from inference_core.price.pricing import api_prices\n")
    (tmp_path / "pages" / "wing.py").write_text("from inference_core import price\n")
    assert door_violations(ui_files(tmp_path)) == {
        "sneaky.py": ["inference_core.price.pricing"],
        "wing.py": ["inference_core.price"],
    }


def test_every_wing_imports_only_the_wings_below_it():
    assert wing_violations() == []


def test_every_wing_enters_another_only_through_its_public_face():
    assert face_violations(engine_sources()) == []


def test_the_face_check_catches_a_wing_reaching_into_another():
    source = "from inference_core.price.pricing import api_prices\nfrom inference_core.models import ModelPoolX\n"
    assert face_violations({"inference_core.runs.sneaky": source}) == [
        "inference_core.runs.sneaky -> inference_core.models.ModelPoolX",
        "inference_core.runs.sneaky -> inference_core.price.pricing",
    ]


def test_every_wing_of_the_engine_is_in_the_whitelist():
    wings = {wing(module_name(path)) for path in ENGINE_FILES}
    assert wings <= set(ALLOWED), f"new wings need a line in ALLOWED: {sorted(wings - set(ALLOWED))}"


def test_the_engine_is_a_few_wings_with_at_most_eight_modules_at_its_top():
    top = sorted(path.name for path in ENGINE.glob("*.py"))
    assert len(top) <= 8, top
    wings = [path.name for path in ENGINE.iterdir() if (path / "__init__.py").exists() and path.name != "data"]
    assert 5 <= len(wings) <= 10, wings


def test_the_public_face_names_only_what_exists():
    import inference_core

    missing = [name for name in inference_core.__all__ if not hasattr(inference_core, name)]
    assert missing == []


def test_the_engine_never_imports_streamlit():
    offenders = [
        str(p.relative_to(ROOT)) for p in ENGINE_FILES if any(n.split(".")[0] == "streamlit" for n in imports(p))
    ]
    assert offenders == []


def face_homes() -> dict[str, str]:
    """Each name a wing's face exports (``inference_core.models.Estimate``) -> the module it lives in."""
    import importlib

    homes = {}
    for name in WINGS:
        package = f"inference_core.{name}"
        for module, names in importlib.import_module(package)._FACE.items():
            homes.update({f"{package}.{exported}": f"{package}.{module}" for exported in names})
    return homes


def engine_graph() -> dict[str, set[str]]:
    """Module -> the engine modules it imports; a name taken from a wing's face counts as its home module."""
    modules = {module_name(path): path for path in ENGINE_FILES}
    homes = face_homes()
    graph = {}
    for name, path in modules.items():
        found = {homes.get(n, n) for n in imports(path, with_names=True)}
        graph[name] = {n for n in found if n in modules and n != name}
    return graph


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
