"""Templates ask their views questions (``case.can_rate``, ``lease.is_active``) instead of
comparing status strings, and ask for permissions instead of role names.

A status vocabulary spelled out again in a template drifts from the workflow's without any test
noticing; a role name in a template repeats ``ROLE_PERMISSIONS`` and drifts from it the same way.
The templates are read with Jinja's own parser, so a comparison is found wherever it sits: in
``{% if %}``, ``{{ a if b else c }}``, a macro, a filter such as ``selectattr``, over several lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from jinja2 import Environment, nodes

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

# Attribute or variable names that hold a state from some vocabulary: ``status``,
# ``version_status``, ``case_status``, ``state``, a check's ``outcome``.
STATUS_LIKE = re.compile(r"(?:^|_)(?:status|state|outcome)$")
COMPARING = {"eq", "ne", "in", "notin"}
# Jinja tests and ``selectattr``/``rejectattr`` tests that compare with a value.
COMPARING_TESTS = {"eq", "equalto", "==", "ne", "!=", "in", "sameas"}

# Comparisons a page may still make because its view lacks the property, with where the view is
# built: none today, and the list may only shrink.
WAITING_FOR_SERVICES: dict[tuple[str, str], str] = {}


def _templates() -> list[Path]:
    found = sorted(p for p in TEMPLATES.rglob("*") if p.is_file())
    assert found, f"no templates under {TEMPLATES}"
    return found


def _name(node: nodes.Node) -> str | None:
    """The dotted name of a variable, attribute or constant subscript (``case.bundle.status``),
    or None for anything else."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        inner = _name(node.node)
        return f"{inner}.{node.attr}" if inner else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        inner = _name(node.node)
        return f"{inner}[{node.arg.value!r}]" if inner else None
    return None


def _status_like(node: nodes.Node) -> str | None:
    name = _name(node)
    if name is None:
        return None
    # ``principal.kind.value``-style access reads the enum's string; judge the name before it.
    last = re.split(r"[.\[]", name.removesuffix(".value"))[-1].strip("'\"]")
    return name if STATUS_LIKE.search(last) else None


def _literal(node: nodes.Node) -> str | None:
    """Source-like text of a string constant or a tuple/list of them, else None."""
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return repr(node.value)
    if isinstance(node, nodes.Tuple | nodes.List) and node.items:
        items = [_literal(i) for i in node.items]
        if all(items):
            open_, close = ("(", ")") if isinstance(node, nodes.Tuple) else ("[", "]")
            return open_ + ", ".join(i for i in items if i) + close
    return None


_OPS = {"eq": "==", "ne": "!=", "in": "in", "notin": "not in"}


def _status_comparisons(tree: nodes.Template) -> Iterator[tuple[int, str]]:
    for compare in tree.find_all(nodes.Compare):
        left = compare.expr
        for operand in compare.ops:
            right = operand.expr
            if operand.op in COMPARING:
                subject, literal = _status_like(left), _literal(right)
                if subject and literal:
                    yield compare.lineno, f"{subject} {_OPS[operand.op]} {literal}"
                subject, literal = _status_like(right), _literal(left)
                if subject and literal:
                    yield compare.lineno, f"{literal} {_OPS[operand.op]} {subject}"
            left = right
    for test in tree.find_all(nodes.Test):
        subject = _status_like(test.node)
        literals = [_literal(a) for a in test.args]
        if test.name in COMPARING_TESTS and subject and any(literals):
            yield test.lineno, f"{subject} is {test.name} {', '.join(x for x in literals if x)}"
    for call in tree.find_all(nodes.Filter):
        if call.name not in ("selectattr", "rejectattr") or len(call.args) < 3:
            continue
        attribute, how, *values = call.args
        if not (isinstance(attribute, nodes.Const) and isinstance(how, nodes.Const)):
            continue
        literals = [_literal(v) for v in values]
        if (
            isinstance(attribute.value, str)
            and STATUS_LIKE.search(attribute.value)
            and how.value in COMPARING_TESTS
            and any(literals)
        ):
            yield (
                call.lineno,
                f"{call.name}({attribute.value!r}, {how.value!r}, "
                f"{', '.join(x for x in literals if x)})",
            )


def _role_checks(tree: nodes.Template) -> Iterator[tuple[int, str]]:
    """``'approver' in principal.roles``: a role name where a permission belongs."""
    for compare in tree.find_all(nodes.Compare):
        left = compare.expr
        for operand in compare.ops:
            subject = _name(operand.expr)
            literal = _literal(left)
            if operand.op in ("in", "notin") and literal and subject and subject.endswith("roles"):
                yield compare.lineno, f"{literal} {_OPS[operand.op]} {subject}"
            left = operand.expr


def _parse(source: str, name: str) -> nodes.Template:
    return Environment().parse(source, name=name)


def status_findings(source: str, name: str) -> list[tuple[int, str]]:
    return sorted(set(_status_comparisons(_parse(source, name))))


def role_findings(source: str, name: str) -> list[tuple[int, str]]:
    return sorted(set(_role_checks(_parse(source, name))))


def _scan() -> tuple[list[str], set[tuple[str, str]]]:
    offending, waiting = [], set()
    for path in _templates():
        relative = path.relative_to(TEMPLATES).as_posix()
        for line, what in status_findings(path.read_text("utf-8"), relative):
            if (relative, what) in WAITING_FOR_SERVICES:
                waiting.add((relative, what))
            else:
                offending.append(f"templates/{relative}:{line}: {what}")
    return offending, waiting


class TestTemplatesAskViews:
    def test_no_template_compares_a_status_with_a_string(self) -> None:
        offending, _ = _scan()
        assert not offending, (
            "Templates compare statuses with string literals; give the view a property that "
            "answers the question (e.g. case.can_rate) and use that:\n" + "\n".join(offending)
        )

    def test_every_exception_still_exists(self) -> None:
        """An entry whose comparison is gone must go too, so the list only ever shrinks."""
        _, waiting = _scan()
        assert set(WAITING_FOR_SERVICES) - waiting == set()

    def test_no_template_checks_a_role_name(self) -> None:
        offending = [
            f"templates/{path.relative_to(TEMPLATES).as_posix()}:{line}: {what}"
            for path in _templates()
            for line, what in role_findings(
                path.read_text("utf-8"), path.relative_to(TEMPLATES).as_posix()
            )
        ]
        assert not offending, (
            "Templates check role names; ask principal.can(Permission...) or build the links in "
            "app/core/navigation.py:\n" + "\n".join(offending)
        )


class TestTheScannerCatches:
    """The scanner itself: each way of writing the comparison is found, with its line."""

    @pytest.mark.parametrize(
        ("source", "found"),
        [
            ("{% if case.status == 'received' %}x{% endif %}", "case.status == 'received'"),
            ("{% if 'closed' != case.status %}x{% endif %}", "'closed' != case.status"),
            (
                "{% if case.status in ('approved', 'closed') %}x{% endif %}",
                "case.status in ('approved', 'closed')",
            ),
            ('{% if p.status not in ["a", "b"] %}x{% endif %}', "p.status not in ['a', 'b']"),
            ("{{ 'y' if lease.state == 'active' else 'n' }}", "lease.state == 'active'"),
            ("{% if r.version_status == 'assumed' %}x{% endif %}", "r.version_status == 'assumed'"),
            ("{% macro m(status) %}{{ status == 'x' }}{% endmacro %}", "status == 'x'"),
            ("{% if c['status'] == 'x' %}x{% endif %}", "c['status'] == 'x'"),
            ("{% if c.outcome == 'revoked' %}x{% endif %}", "c.outcome == 'revoked'"),
            ("{% if a.status.value == 'x' %}x{% endif %}", "a.status.value == 'x'"),
            ("{% if a.status is equalto('x') %}x{% endif %}", "a.status is equalto 'x'"),
            (
                '{% set o = items | selectattr("status", "in", ["pending"]) | list %}',
                "selectattr('status', 'in', ['pending'])",
            ),
            (
                "{% set o = items | rejectattr('state', 'equalto', 'done') | list %}",
                "rejectattr('state', 'equalto', 'done')",
            ),
            (
                "{% if x and part.status\n   == 'waiting' %}x{% endif %}",
                "part.status == 'waiting'",
            ),
        ],
    )
    def test_finds(self, source: str, found: str) -> None:
        assert [what for _, what in status_findings(source, "t.html")] == [found]

    @pytest.mark.parametrize(
        "source",
        [
            "{% if case.can_rate %}x{% endif %}",
            "{{ _(statuses[o.status]) if o.status in statuses else o.status }}",
            "{% if filters.status == code %}selected{% endif %}",
            "<strong class='status-{{ v.status }}'>{{ v.status_label }}</strong>",
            "{% if notice == 'verified' %}x{% endif %}",
            "{% if q.type == 'enum' %}x{% endif %}",
            "{% for status, count in d.units_by_status.items() %}{{ status }}{% endfor %}",
        ],
    )
    def test_leaves_alone(self, source: str) -> None:
        assert status_findings(source, "t.html") == []

    def test_reports_the_line(self) -> None:
        source = "line one\n\n{% if lease.status == 'ended' %}x{% endif %}\n"
        assert status_findings(source, "t.html") == [(3, "lease.status == 'ended'")]

    def test_finds_role_names(self) -> None:
        source = "{% if 'approver' in principal.roles or x %}{% endif %}\n" + (
            "{% if 'auditor' not in account.staff.roles %}{% endif %}"
        )
        assert role_findings(source, "t.html") == [
            (1, "'approver' in principal.roles"),
            (2, "'auditor' not in account.staff.roles"),
        ]
