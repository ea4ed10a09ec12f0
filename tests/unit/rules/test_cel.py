"""The CEL subset: parsing with cel-python, portable typing, Kleene closures, the AST cache."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.rules import cel, scalar, vector
from app.rules.cel import CelError, TypeChecker
from app.rules.scalar import UNKNOWN


def _checker(params: dict[str, str] | None = None) -> TypeChecker:
    def no_formulas(name: str) -> str:
        raise CelError(f"unknown formula calc.{name}")

    return TypeChecker(params or {}, no_formulas, frozenset())


def _run(text: str, facts: dict[str, Any], params: dict[str, Any] | None = None) -> Any:
    node = cel.parse(text)
    types = {
        name: ("double" if isinstance(v, float) else "int") for name, v in (params or {}).items()
    }
    checker = _checker(types)
    checker.check(node)
    return scalar.compile_node(node, checker)(scalar.Ctx(facts, params or {}, {}, {}))


def test_parse_builds_the_engine_ast() -> None:
    node = cel.parse("age <= params.max_age && highest_degree in ['master', 'doctorate']")
    assert node == cel.And(
        cel.Binary("<=", cel.Fact("age"), cel.Param("max_age")),
        cel.In(cel.Fact("highest_degree"), cel.ListLit((cel.Lit("master"), cel.Lit("doctorate")))),
    )
    assert cel.from_json(json.loads(json.dumps(cel.to_json(node)))) == node
    assert cel.to_text(node, {"max_age": 55}) == (
        '(age <= 55 && highest_degree in ["master", "doctorate"])'
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("age + 1.5 > 30.0", "no overload for int + double"),
        ("age > 30.0", "no overload for int > double"),
        ("hukou < 'z'", "no ordering on string"),
        ("max(age, 3) > 2", "unsupported function max()"),
        ("has(age)", "has() is only supported as has(facts.<name>)"),
        ("params.nothing > 1", "unknown parameter params.nothing"),
        ("birth_date > 1", "date fact 'birth_date'"),
        ("shoe_size > 40", "unknown fact 'shoe_size'"),
        ("talent_programs.exists(1, true)", "must be a variable name"),
        ("hukou == null", "unsupported literal null"),
        ("[1, 2][0] == 1", "only params.<list>[<literal>] may be indexed"),
        ("age ? 1 : 2", "must be a boolean"),
        ("age > ", "syntax error"),
    ],
)
def test_non_portable_or_wrong_expressions_fail_at_load(text: str, message: str) -> None:
    with pytest.raises(CelError, match=re.escape(message)):
        _checker().check(cel.parse(text))


@pytest.mark.parametrize(
    ("text", "facts", "expected"),
    [
        ("age > 30 && hukou == 'other'", {"age": 20}, False),
        ("age > 30 && hukou == 'other'", {"age": 40}, UNKNOWN),
        ("age > 30 || hukou == 'other'", {"age": 40}, True),
        ("age > 30 || hukou == 'other'", {"age": 20}, UNKNOWN),
        ("!(age > 30)", {}, UNKNOWN),
        ("age > 30 ? 1 : 2", {}, UNKNOWN),
        ("hukou == 'other' ? 1 : age", {"hukou": "other"}, 1),
        ("talent_programs.exists(p, p in ['a', 'b'])", {"talent_programs": ("b",)}, True),
        ("talent_programs.all(p, p == 'a')", {"talent_programs": ("a", "b")}, False),
        ("size(talent_programs) == 0", {"talent_programs": ()}, True),
        ("has(facts.hukou)", {}, False),
        ("-7 / 2 == -3 && -7 % 2 == -1 && 7 / 0 == 1", {}, UNKNOWN),
        ("int(work_experience_years) == 2", {"work_experience_years": 2.9}, True),
        ("university_name.startsWith('复旦')", {"university_name": "复旦大学"}, True),
    ],
)
def test_kleene_semantics(text: str, facts: dict[str, Any], expected: Any) -> None:
    assert _run(text, facts) is expected or _run(text, facts) == expected


def test_touched_facts_name_what_would_settle_an_unknown() -> None:
    node = cel.parse("age > 30 && (hukou == 'other' || nationality == 'CN')")
    checker = _checker()
    checker.check(node)
    ctx = scalar.Ctx({"hukou": "shanghai"}, {}, {}, {})
    assert scalar.compile_node(node, checker)(ctx) is UNKNOWN
    assert ctx.touched == {"age", "nationality"}


def test_vector_closures_agree_with_scalar_ones_row_by_row() -> None:
    text = (
        "(age > 30 && hukou == 'other') || (-age / 7 < -4 && age % 7 == 3)"
        " || talent_programs.exists(p, p in ['shanghai_pujiang'])"
    )
    node = cel.parse(text)
    checker = _checker()
    checker.check(node)
    rows: list[dict[str, Any]] = [
        {},
        {"age": 31, "hukou": "other"},
        {"age": 31},
        {"age": 31, "hukou": "none"},
        {"age": 38, "hukou": "none"},
        {"age": 20, "talent_programs": ("shanghai_pujiang",)},
        {"age": 20, "talent_programs": ()},
        {"age": 24, "hukou": "none", "talent_programs": ()},
    ]
    scalar_fn = scalar.compile_node(node, checker)
    expected = [scalar_fn(scalar.Ctx(row, {}, {}, {})) for row in rows]

    class Rows(vector.FactSource):
        def __init__(self) -> None:
            self.n = len(rows)
            self.strings = vector.StringTable()

        def column(self, name: str) -> vector.Col:
            values = [row.get(name) for row in rows]
            known = np.array([v is not None for v in values])
            if name == "age":
                return vector.NumCol(np.array([v or 0 for v in values], dtype=float), known)
            if name == "talent_programs":
                bits = np.array([1 << 3 if v else 0 for v in values])
                codes = ("national_high_level", "shanghai_overseas_high_level", "shanghai_leading")
                return vector.SetCol(bits, known, (*codes, "shanghai_pujiang"))
            codes = [self.strings.code(v) if v else -1 for v in values]
            return vector.StrCol(np.array(codes), known)

    col = vector.compile_node(node, checker)(vector.VCtx(Rows(), {}, {}, {}))
    assert isinstance(col, vector.BoolCol)
    got = vector.statuses(col, len(rows)).tolist()
    assert got == [{True: 1, False: 0}.get(v, 2) if v is not UNKNOWN else 2 for v in expected]


def test_parsed_asts_are_cached_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALENT_RULES_CACHE_DIR", str(tmp_path))
    texts = ["age > 30", "hukou == 'other'"]
    first = cel.parse_many(texts)
    cache = json.loads((tmp_path / "cel-ast.json").read_text())
    assert set(cache["entries"]) == set(texts)

    def no_parsing(text: str) -> cel.Node:
        raise AssertionError("parsed again")

    monkeypatch.setattr(cel, "parse", no_parsing)
    assert cel.parse_many(texts) == first


def test_a_broken_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALENT_RULES_CACHE_DIR", str(tmp_path))
    (tmp_path / "cel-ast.json").write_text("{not json")
    assert cel.parse_many(["age > 30"])["age > 30"] == cel.Binary(">", cel.Fact("age"), cel.Lit(30))
