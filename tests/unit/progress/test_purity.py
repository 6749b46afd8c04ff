"""core.progress is pure pandas: no module of it imports the database, the models,
SQLAlchemy, the read side, the services or Streamlit, directly or through another module;
and its modules import one another without a cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
PACKAGE = REPO / "core" / "progress"
FORBIDDEN = ("core.db", "core.models", "sqlalchemy", "core.queries", "core.services", "streamlit")


def modules() -> list[str]:
    names = sorted(path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__")
    return ["core.progress", *(f"core.progress.{name}" for name in names)]


def imports_of(module: str) -> set[str]:
    """The modules that `module`'s source names in its import statements."""
    path = PACKAGE / ("__init__.py" if module == "core.progress" else f"{module.split('.')[-1]}.py")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def forbidden(name: str) -> bool:
    return any(name == bad or name.startswith(f"{bad}.") for bad in FORBIDDEN)


def test_the_package_has_the_expected_modules() -> None:
    assert set(modules()) >= {
        "core.progress",
        "core.progress.constants",
        "core.progress.change",
        "core.progress.trajectory",
        "core.progress.status",
        "core.progress.caseload",
    }


def test_no_progress_module_names_the_database_in_its_imports() -> None:
    named = {module: sorted(filter(forbidden, imports_of(module))) for module in modules()}
    assert named == {module: [] for module in modules()}


def test_importing_every_progress_module_loads_no_database_code() -> None:
    # A fresh interpreter: what the test run has imported already does not count.
    script = (
        "import importlib, sys\n"
        f"for name in {modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    loaded = result.stdout.split()
    assert set(modules()) <= set(loaded)
    assert [name for name in loaded if forbidden(name)] == []


def test_progress_modules_import_one_another_without_a_cycle() -> None:
    inside = {
        module: {name for name in imports_of(module) if name in modules()}
        for module in modules()
        if module != "core.progress"
    }
    ordered: list[str] = []
    while len(ordered) < len(inside):
        ready = sorted(
            m for m, needs in inside.items() if m not in ordered and needs <= set(ordered)
        )
        assert ready, f"an import cycle among {sorted(set(inside) - set(ordered))}"
        ordered.extend(ready)
    assert "core.progress" not in set().union(*inside.values())  # submodules skip __init__
