"""The rules package stays pure: no database, HTTP, web framework or other app layers.

import-linter enforces the same contract in CI (``lint-imports``); this test fails faster and
also covers imports hidden inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import app.rules

FORBIDDEN = ("sqlalchemy", "httpx", "fastapi", "starlette", "requests", "aiohttp")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_rules_import_nothing_impure() -> None:
    package = Path(app.rules.__file__).parent
    offending = {}
    for path in package.rglob("*.py"):
        bad = {
            name
            for name in _imports(path)
            if name.split(".")[0] in FORBIDDEN
            or (name.startswith("app.") and not name.startswith("app.rules"))
        }
        if bad:
            offending[path.name] = sorted(bad)
    assert offending == {}
