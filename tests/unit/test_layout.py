"""The architecture's size and import rules (docs: /DESIGN.md): thin pages, no page importing
another page, and core modules small enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "pages"
PAGE_LIMIT = 150  # every file in pages/ stays under this many lines
CORE_LIMIT = 600


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _page_modules() -> set[str]:
    """The page scripts: top-level files of pages/ except the plumbing."""
    return {path.stem for path in PAGES.glob("*.py")} - {"__init__", "ui"}


def _imported_pages(path: Path, pages: set[str]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name.split(".")[1] for name in names if name.startswith("pages.")}
    return found & pages


def test_every_file_in_pages_is_under_the_limit() -> None:
    long = {
        str(path.relative_to(ROOT)): _lines(path)
        for path in sorted(PAGES.rglob("*.py"))
        if _lines(path) >= PAGE_LIMIT
    }
    assert not long, f"files in pages/ with {PAGE_LIMIT} lines or more: {long}"


def test_no_file_in_pages_imports_a_page() -> None:
    pages = _page_modules()
    assert {"couple", "library", "login"} <= pages  # the rule checks real page names
    imports = {
        str(path.relative_to(ROOT)): sorted(_imported_pages(path, pages))
        for path in sorted(PAGES.rglob("*.py"))
    }
    assert not {path: found for path, found in imports.items() if found}


def test_the_import_check_sees_page_imports(tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(
        "from pages import ui, library\nimport pages.couple\nfrom pages.tabs import x\n"
    )
    assert _imported_pages(script, {"library", "couple", "login"}) == {"library", "couple"}


def test_no_core_module_is_over_the_limit() -> None:
    long = {
        str(path.relative_to(ROOT)): _lines(path)
        for path in sorted((ROOT / "core").rglob("*.py"))
        if _lines(path) > CORE_LIMIT
    }
    assert not long, f"core modules over {CORE_LIMIT} lines: {long}"
