"""The house rules of DESIGN.md, read from the source with `ast`: imports point down,
the pure modules never touch the database, input is validated in one place, and the
safety gate and the caseload scope are each written once."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT

CORE = PROJECT_ROOT / "core"
PAGES = PROJECT_ROOT / "pages"
PURE = [
    *sorted((CORE / "progress").glob("*.py")),
    CORE / "homework_rules.py",
    CORE / "adherence.py",
    CORE / "suggestions.py",
    CORE / "charts.py",
    CORE / "measures.py",
    CORE / "passwords.py",
    CORE / "exports.py",
    CORE / "importing.py",
    CORE / "login_tokens.py",
]
DATABASE_MODULES = ("core.db", "core.models", "sqlalchemy")


def _python_files(*roots: Path) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        files += [root] if root.is_file() else sorted(root.rglob("*.py"))
    return files


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(path: Path) -> Iterator[str]:
    """Every module a file imports (absolute names; `from core import x` gives core.x)."""
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _imports_any(path: Path, prefixes: tuple[str, ...]) -> list[str]:
    return sorted(
        {
            name
            for name in _imports(path)
            if any(name == p or name.startswith(p + ".") for p in prefixes)
        }
    )


def _relative(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT))


@pytest.mark.parametrize("path", [p for p in PURE if p.exists()], ids=_relative)
def test_pure_modules_never_touch_the_database(path: Path) -> None:
    assert _imports_any(path, DATABASE_MODULES) == []


def test_the_progress_package_exists_and_is_pure() -> None:
    modules = sorted((CORE / "progress").glob("*.py"))
    assert len(modules) >= 5, "core/progress/ is a package of pure modules"
    assert not (CORE / "progress.py").exists()


def test_core_never_imports_the_ui() -> None:
    offenders = {
        _relative(path): found
        for path in _python_files(CORE)
        if (found := _imports_any(path, ("streamlit", "pages", "app")))
    }
    assert offenders == {}


def test_queries_sit_below_services() -> None:
    offenders = {
        _relative(path): found
        for path in _python_files(CORE / "queries")
        if (found := _imports_any(path, ("core.services",)))
    }
    assert offenders == {}


def test_only_schemas_and_the_catalogue_import_pydantic() -> None:
    users = {
        _relative(path)
        for path in _python_files(CORE, PAGES, PROJECT_ROOT / "app.py")
        if _imports_any(path, ("pydantic",))
    }
    schemas = {p for p in users if p.startswith("core/schemas/")}
    assert schemas and users - schemas == {"core/catalogue.py"}


def test_no_page_imports_another_page() -> None:
    pages = {path.stem for path in PAGES.glob("*.py")} - {"__init__", "ui"}
    offenders = {
        _relative(path): found
        for path in _python_files(PAGES)
        if (found := _imports_any(path, tuple(f"pages.{page}" for page in pages)))
    }
    assert offenders == {}


def _is_attribute(node: ast.AST, owner: str | None, name: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == name
        and (owner is None or (isinstance(node.value, ast.Name) and node.value.id == owner))
    )


def _gate_rules(path: Path) -> int:
    """`x.joint or x.asks_vulnerability`: the safety gate written out."""
    return sum(
        1
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.BoolOp)
        and isinstance(node.op, ast.Or)
        and any(_is_attribute(v, None, "joint") for v in node.values)
        and any(_is_attribute(v, None, "asks_vulnerability") for v in node.values)
    )


def _scope_filters(path: Path) -> int:
    """`Couple.counsellor_id == actor.id` (or `== owner`, a caseload owner's id): the
    caseload filter written out."""
    return sum(
        1
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.Compare)
        and _is_attribute(node.left, "Couple", "counsellor_id")
        and any(
            _is_attribute(c, "actor", "id") or (isinstance(c, ast.Name) and c.id == "owner")
            for c in node.comparators
        )
    )


def test_the_safety_gate_rule_exists_once() -> None:
    found = {_relative(p): n for p in _python_files(CORE, PAGES) if (n := _gate_rules(p))}
    assert found == {"core/homework_rules.py": 1}


def test_the_caseload_scope_exists_once() -> None:
    found = {_relative(p): n for p in _python_files(CORE, PAGES) if (n := _scope_filters(p))}
    assert found == {"core/services/access.py": 1}
