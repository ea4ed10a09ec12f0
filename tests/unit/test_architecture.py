"""The shape docs/architecture.md promises, checked on the source: no import cycles between
modules of app/, no imports hidden inside functions, and status vocabularies compared only as
the workflow's enums. import-linter (pyproject.toml) checks the layer contracts."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

APP = Path(__file__).resolve().parents[2] / "app"


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(APP.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of modules (Tarjan), each a cycle of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(module: str) -> None:
        nonlocal counter
        index[module] = low[module] = counter
        counter += 1
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if not imported.startswith("app"):
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module.startswith("app") and module not in index:
            visit(module)
    return found


def test_no_import_cycle_between_modules_of_app() -> None:
    # grimp reads every import, those inside functions included, so a cycle cannot hide there.
    graph = grimp.build_graph("app", cache_dir=None)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("app.a", "app.b", "app.c"):
        graph.add_module(name)
    graph.add_import(importer="app.a", imported="app.b")
    graph.add_import(importer="app.b", imported="app.c")
    graph.add_import(importer="app.c", imported="app.a")
    assert _cycles(graph) == [["app.a", "app.b", "app.c"]]


# Third-party modules imported where they are first needed, each with the reason in a comment
# there: the CEL parser (celpy, lark) costs about 150 ms at start-up, which a warm AST cache
# never needs (the rules' cold-start target, bench/rules.py). No module of app/ is among them.
LAZY_THIRD_PARTY = {
    ("app/rules/cel.py", "lark"),
    ("app/rules/cel.py", "celpy"),
    # The S3 client (and aiohttp under it), loaded only by a portal that stores in S3.
    ("app/storage/s3.py", "aiobotocore"),
    ("app/storage/s3.py", "botocore"),
}


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    return [alias.name for alias in node.names]


def test_no_import_is_hidden_inside_a_function() -> None:
    hidden = [
        f"{path.relative_to(APP.parent)}:{node.lineno} {ast.unparse(node)}"
        for path, tree in _modules()
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
        and any(
            (str(path.relative_to(APP.parent)), name.split(".")[0]) not in LAZY_THIRD_PARTY
            for name in _imported(node)
        )
    ]
    assert sorted(set(hidden)) == []


# Attribute and variable names that hold a lifecycle's status.
_STATUS_NAMES = ("status", "state")


def _names_a_status(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr.endswith(_STATUS_NAMES)
    if isinstance(node, ast.Name):
        return node.id.endswith(_STATUS_NAMES)
    if isinstance(node, ast.Subscript):
        key = node.slice
        return isinstance(key, ast.Constant) and str(key.value).endswith(_STATUS_NAMES)
    return False


def _is_text(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return bool(node.elts) and all(_is_text(e) for e in node.elts)
    return False


def status_literals(tree: ast.AST) -> list[int]:
    """Lines comparing a status with a string (``x.status == "draft"``, ``in ("a", "b")``)."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        if any(_names_a_status(o) for o in operands) and any(_is_text(o) for o in operands):
            lines.append(node.lineno)
    return lines


def test_services_compare_statuses_only_as_workflow_enums() -> None:
    found = [
        f"{path.relative_to(APP.parent)}:{line}"
        for path, tree in _modules()
        if "services" in path.parts
        for line in status_literals(tree)
    ]
    assert found == [], "compare with the StrEnum of app/workflow instead: " + ", ".join(found)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('if case.status == "draft": pass', [1]),
        ('ok = row["status"] in ("pending", "sent")', [1]),
        ("if app.status != ApplicationStatus.DRAFT: pass", []),
        ('if status in {"a"} or x == "b": pass', [1]),
        ('name = "status"', []),
    ],
)
def test_the_status_literal_finder(source: str, expected: list[int]) -> None:
    assert status_literals(ast.parse(source)) == expected
