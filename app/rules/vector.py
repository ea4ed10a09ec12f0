"""Compile the CEL AST to numpy column operations for many profiles at once.

The same three-valued semantics as :mod:`app.rules.scalar`, row by row:

- a boolean column is a pair of masks ``t`` (known true) and ``f`` (known false); a row in
  neither is unknown, so Kleene ``&&`` is ``t = a.t & b.t, f = a.f | b.f``;
- any other column carries its values and a ``k`` mask of the rows where the value is known;
- strings are codes into one table shared by the whole batch, so equal strings compare equal
  across columns; a ``list<string>`` fact is a bitmask over its vocabulary codes.

Constants stay numpy/Python scalars and broadcast. A construct with no vectorised form raises
:class:`VectorUnsupported` at compile time; the library then keeps that policy on the scalar path
(no policy shipped today needs it, and a test says so).

Why one module of this length: one compiler with one case per AST node; its halves would share
every column helper and the dispatch table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app.rules import cel, scalar
from app.rules.cel import TypeChecker

Mask = npt.NDArray[np.bool_] | bool | np.bool_
Values = npt.NDArray[Any] | float | int | np.floating[Any] | np.integer[Any]


class VectorUnsupported(ValueError):
    """An expression the numpy compiler cannot vectorise."""


@dataclass(slots=True)
class BoolCol:
    t: Mask
    f: Mask


@dataclass(slots=True)
class NumCol:
    v: Values
    k: Mask


@dataclass(slots=True)
class StrCol:
    codes: Values
    k: Mask


@dataclass(slots=True)
class SetCol:
    bits: Values
    k: Mask
    vocabulary: tuple[str, ...]


@dataclass(slots=True)
class ConstList:
    values: tuple[Any, ...]


@dataclass(slots=True)
class ListCol:
    items: tuple[Col, ...]


@dataclass(slots=True)
class MapCol:
    keys: tuple[str, ...]
    items: tuple[Col, ...]


Col = BoolCol | NumCol | StrCol | SetCol | ConstList | ListCol | MapCol


class StringTable:
    """Codes for every string of one batch (facts, literals, parameters)."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.strings: list[str] = []

    def code(self, text: str) -> int:
        code = self.codes.get(text)
        if code is None:
            code = len(self.strings)
            self.codes[text] = code
            self.strings.append(text)
        return code

    def decode(self, codes: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
        table = np.array([*self.strings, ""], dtype=object)
        return table[np.where(codes < 0, len(self.strings), codes).astype(np.int64)]


class FactSource:
    """What a compiled policy reads facts from (built by :mod:`app.rules.batch`)."""

    n: int
    strings: StringTable

    def column(self, name: str) -> Col:  # pragma: no cover - interface
        raise NotImplementedError


class VCtx:
    __slots__ = ("source", "params", "calc", "conditions", "memo", "vars")

    def __init__(
        self,
        source: FactSource,
        params: Mapping[str, Any],
        calc: Mapping[str, VFn],
        conditions: Mapping[str, VFn],
    ) -> None:
        self.source = source
        self.params = params
        self.calc = calc
        self.conditions = conditions
        self.memo: dict[str, Col] = {}
        self.vars: dict[str, Any] = {}

    def resolve(self, key: str, fn: VFn) -> Col:
        hit = self.memo.get(key)
        if hit is None:
            hit = fn(self)
            self.memo[key] = hit
        return hit


VFn = Callable[[VCtx], Col]


def constant(value: Any, strings: StringTable) -> Col:
    if isinstance(value, bool):
        return BoolCol(value, not value)
    if isinstance(value, int | float):
        return NumCol(float(value), True)
    if isinstance(value, str):
        return StrCol(strings.code(value), True)
    if isinstance(value, list | tuple):
        return ConstList(tuple(value))
    raise VectorUnsupported(f"constant {value!r}")


def known(col: Col) -> Mask:
    if isinstance(col, BoolCol):
        return col.t | col.f
    if isinstance(col, NumCol | StrCol | SetCol):
        return col.k
    if isinstance(col, ConstList):
        return True
    mask: Mask = True
    for item in col.items:
        mask = mask & known(item)
    return mask


def compile_node(node: cel.Node, types: TypeChecker) -> VFn:
    if isinstance(node, cel.Lit):
        value = node.value
        return lambda ctx: constant(value, ctx.source.strings)
    if isinstance(node, cel.Fact):
        name = node.name
        return lambda ctx: ctx.source.column(name)
    if isinstance(node, cel.Param):
        param = node.name
        return lambda ctx: constant(ctx.params[param], ctx.source.strings)
    if isinstance(node, cel.Calc | cel.CondRef | cel.Var):
        return scalar.named_reference(node)
    if isinstance(node, cel.Has):
        return _has(node.name)
    if isinstance(node, cel.Unary):
        return _unary(node.op, compile_node(node.arg, types))
    if isinstance(node, cel.And | cel.Or):
        return _logic(isinstance(node, cel.And), *_pair(node.left, node.right, types))
    if isinstance(node, cel.Cond):
        test, then, orelse = (compile_node(n, types) for n in (node.test, node.then, node.orelse))
        return lambda ctx: _choose(_as_bool(test(ctx)), then(ctx), orelse(ctx))
    if isinstance(node, cel.Binary):
        return _binary(node, types)
    if isinstance(node, cel.In):
        return _in(node, types)
    if isinstance(node, cel.ListLit):
        return _list(node, types)
    if isinstance(node, cel.MapLit):
        values = [compile_node(v, types) for v in node.values]
        keys = node.keys
        return lambda ctx: MapCol(keys, tuple(v(ctx) for v in values))
    if isinstance(node, cel.Call):
        return _call(node, types)
    if isinstance(node, cel.Index):
        assert isinstance(node.target, cel.Param) and isinstance(node.index, cel.Lit)
        listed, position = node.target.name, int(node.index.value)
        return lambda ctx: constant(ctx.params[listed][position], ctx.source.strings)
    return _macro(node, types)


def _pair(left: cel.Node, right: cel.Node, types: TypeChecker) -> tuple[VFn, VFn]:
    return compile_node(left, types), compile_node(right, types)


def _as_bool(col: Col) -> BoolCol:
    assert isinstance(col, BoolCol)
    return col


def _as_num(col: Col) -> NumCol:
    assert isinstance(col, NumCol)
    return col


def _has(name: str) -> VFn:
    def has(ctx: VCtx) -> Col:
        mask = known(ctx.source.column(name))
        return BoolCol(mask, ~mask if not isinstance(mask, bool) else not mask)

    return has


def _unary(op: str, arg: VFn) -> VFn:
    if op == "!":

        def negate(ctx: VCtx) -> Col:
            col = _as_bool(arg(ctx))
            return BoolCol(col.f, col.t)

        return negate

    def minus(ctx: VCtx) -> Col:
        col = _as_num(arg(ctx))
        return NumCol(-col.v, col.k)

    return minus


def _logic(conjunction: bool, left: VFn, right: VFn) -> VFn:
    if conjunction:

        def conj(ctx: VCtx) -> Col:
            a, b = _as_bool(left(ctx)), _as_bool(right(ctx))
            return BoolCol(a.t & b.t, a.f | b.f)

        return conj

    def disj(ctx: VCtx) -> Col:
        a, b = _as_bool(left(ctx)), _as_bool(right(ctx))
        return BoolCol(a.t | b.t, a.f & b.f)

    return disj


def _choose(test: BoolCol, then: Col, orelse: Col) -> Col:
    if isinstance(then, BoolCol) and isinstance(orelse, BoolCol):
        return BoolCol(
            (test.t & then.t) | (test.f & orelse.t), (test.t & then.f) | (test.f & orelse.f)
        )
    if isinstance(then, NumCol) and isinstance(orelse, NumCol):
        mask = (test.t & then.k) | (test.f & orelse.k)
        return NumCol(np.where(test.t, then.v, orelse.v), mask)
    if isinstance(then, StrCol) and isinstance(orelse, StrCol):
        mask = (test.t & then.k) | (test.f & orelse.k)
        return StrCol(np.where(test.t, then.codes, orelse.codes), mask)
    if isinstance(then, ConstList) and isinstance(orelse, ConstList) and then == orelse:
        return then
    if (
        isinstance(then, ListCol)
        and isinstance(orelse, ListCol)
        and len(then.items) == len(orelse.items)
    ):
        pairs = zip(then.items, orelse.items, strict=True)
        return ListCol(tuple(_choose(test, a, b) for a, b in pairs))
    if isinstance(then, MapCol) and isinstance(orelse, MapCol) and then.keys == orelse.keys:
        pairs = zip(then.items, orelse.items, strict=True)
        return MapCol(then.keys, tuple(_choose(test, a, b) for a, b in pairs))
    raise VectorUnsupported("?: over these value kinds")


_COMPARE: Mapping[str, Callable[[Any, Any], Any]] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


def _compare(op: str, a: Col, b: Col) -> BoolCol:
    if isinstance(a, NumCol) and isinstance(b, NumCol):
        mask = a.k & b.k
        hit = _COMPARE[op](a.v, b.v)
        return BoolCol(mask & hit, mask & ~hit)
    if isinstance(a, StrCol) and isinstance(b, StrCol):
        mask = a.k & b.k
        hit = _COMPARE[op](a.codes, b.codes)
        return BoolCol(mask & hit, mask & ~hit)
    if isinstance(a, BoolCol) and isinstance(b, BoolCol):
        equal = (a.t & b.t) | (a.f & b.f)
        differ = (a.t & b.f) | (a.f & b.t)
        return BoolCol(equal, differ) if op == "==" else BoolCol(differ, equal)
    raise VectorUnsupported(f"comparison {op} on these value kinds")


def _arith(op: str, integer: bool, a: NumCol, b: NumCol) -> NumCol:
    mask = a.k & b.k
    if op == "+":
        return NumCol(a.v + b.v, mask)
    if op == "-":
        return NumCol(a.v - b.v, mask)
    if op == "*":
        return NumCol(a.v * b.v, mask)
    if integer:
        safe = np.where(b.v == 0, 1.0, b.v)
        value = np.trunc(a.v / safe) if op == "/" else np.fmod(a.v, safe)
        return NumCol(value, mask & (b.v != 0))
    return NumCol(np.divide(a.v, b.v), mask)


def _binary(node: cel.Binary, types: TypeChecker) -> VFn:
    left, right = _pair(node.left, node.right, types)
    op = node.op
    if op in cel.COMPARE_OPS:
        return lambda ctx: _compare(op, left(ctx), right(ctx))
    if types.type_of(node.left) not in (cel.INT, cel.DOUBLE):
        raise VectorUnsupported(f"{op} on {types.type_of(node.left)}")
    integer = types.type_of(node.left) == cel.INT
    return lambda ctx: _arith(op, integer, _as_num(left(ctx)), _as_num(right(ctx)))


def _in(node: cel.In, types: TypeChecker) -> VFn:
    item, container = _pair(node.item, node.container, types)

    def member(ctx: VCtx) -> Col:
        needle, pool = item(ctx), container(ctx)
        if isinstance(pool, SetCol) and isinstance(needle, StrCol):
            return _in_set(needle, pool, ctx.source.strings)
        if isinstance(pool, ConstList):
            return _in_constants(needle, pool, ctx.source.strings)
        if isinstance(pool, ListCol):
            result: BoolCol = BoolCol(False, True)
            for element in pool.items:
                hit = _compare("==", needle, element)
                result = BoolCol(result.t | hit.t, result.f & hit.f)
            return result
        raise VectorUnsupported("'in' on these value kinds")

    return member


def _in_set(needle: StrCol, pool: SetCol, strings: StringTable) -> BoolCol:
    if not isinstance(needle.codes, int | np.integer):
        raise VectorUnsupported("'in' a list fact needs a constant item")
    text = strings.strings[int(needle.codes)]
    if text not in pool.vocabulary:
        return BoolCol(False, pool.k)
    bit = 1 << pool.vocabulary.index(text)
    hit = (np.asarray(pool.bits, dtype=np.int64) & bit) != 0
    return BoolCol(pool.k & hit, pool.k & ~hit)


def _in_constants(needle: Col, pool: ConstList, strings: StringTable) -> BoolCol:
    if isinstance(needle, StrCol):
        codes = [strings.code(v) for v in pool.values]
        hit = np.isin(needle.codes, codes)
        return BoolCol(needle.k & hit, needle.k & ~hit)
    if isinstance(needle, NumCol):
        hit = np.isin(needle.v, [float(v) for v in pool.values])
        return BoolCol(needle.k & hit, needle.k & ~hit)
    raise VectorUnsupported("'in' with this item kind")


def _list(node: cel.ListLit, types: TypeChecker) -> VFn:
    if all(isinstance(item, cel.Lit) for item in node.items):
        values = tuple(item.value for item in node.items if isinstance(item, cel.Lit))
        return lambda ctx: ConstList(values)
    items = [compile_node(item, types) for item in node.items]
    return lambda ctx: ListCol(tuple(item(ctx) for item in items))


def _call(node: cel.Call, types: TypeChecker) -> VFn:
    args = [compile_node(arg, types) for arg in node.args]
    func = node.func
    if func in ("int", "double"):
        to_int = func == "int"

        def convert(ctx: VCtx) -> Col:
            col = _as_num(args[0](ctx))
            return NumCol(np.trunc(col.v) if to_int else col.v, col.k)

        return convert
    if func == "size" and types.type_of(node.args[0]) == cel.list_of(cel.STRING):

        def size(ctx: VCtx) -> Col:
            col = args[0](ctx)
            if isinstance(col, SetCol):
                return NumCol(np.bitwise_count(np.asarray(col.bits)).astype(np.float64), col.k)
            if isinstance(col, ConstList):
                return NumCol(float(len(col.values)), True)
            raise VectorUnsupported("size() of this list kind")

        return size
    if func in cel.STRING_METHODS:
        method = scalar._CALLS[func]

        def string_test(ctx: VCtx) -> Col:
            text, needle = args[0](ctx), args[1](ctx)
            if not (isinstance(text, StrCol) and isinstance(needle, StrCol)):
                raise VectorUnsupported(f"{func}() arguments")
            if not isinstance(needle.codes, int | np.integer):
                raise VectorUnsupported(f"{func}() needs a constant argument")
            strings = ctx.source.strings.strings
            probe = strings[int(needle.codes)]
            table = np.array([bool(method(s, probe)) for s in strings] + [False])
            hit = table[np.asarray(text.codes, dtype=np.int64)]
            return BoolCol(text.k & hit, text.k & ~hit)

        return string_test
    raise VectorUnsupported(f"{func}()")


def _macro(node: cel.Macro, types: TypeChecker) -> VFn:
    target = compile_node(node.target, types)
    body = scalar.compile_node(node.body, types)
    var, decisive = node.var, node.macro == "exists"
    if cel.referenced(node.body, cel.Fact) or cel.referenced(node.body, cel.Calc):
        raise VectorUnsupported("macro predicates may only use the variable and constants")

    def comprehend(ctx: VCtx) -> Col:
        pool = target(ctx)
        if not isinstance(pool, SetCol):
            raise VectorUnsupported(f"{node.macro}() over this list kind")
        probe = scalar.Ctx({}, ctx.params, {}, {})
        true_bits = false_bits = 0
        for index, code in enumerate(pool.vocabulary):
            probe.vars[var] = code
            result = body(probe)
            if result is True:
                true_bits |= 1 << index
            elif result is False:
                false_bits |= 1 << index
        bits = np.asarray(pool.bits)
        if decisive:
            hit = (bits & true_bits) != 0
            miss = (bits & ~false_bits) == 0
        else:
            miss = (bits & false_bits) != 0
            hit = (bits & ~true_bits) == 0
        return BoolCol(pool.k & hit, pool.k & miss)

    return comprehend


def broadcast(mask: Mask | Values, n: int, dtype: Any = None) -> npt.NDArray[Any]:
    array = np.asarray(mask, dtype=dtype)
    return array if array.shape == (n,) else np.broadcast_to(array, (n,)).copy()


def materialise(col: Col, kind: str, n: int, strings: StringTable) -> tuple[Any, npt.NDArray[Any]]:
    """Plain arrays for an output column: ``(values, known)``.

    Lists become ``(n, length)`` arrays and maps dicts of arrays; strings are decoded.
    """
    mask = broadcast(known(col), n, bool)
    if isinstance(col, BoolCol):
        return broadcast(col.t, n, bool), mask
    if isinstance(col, NumCol):
        values = broadcast(col.v, n, np.float64)
        return (np.where(mask, values, 0).astype(np.int64) if kind == cel.INT else values), mask
    if isinstance(col, StrCol):
        return strings.decode(broadcast(col.codes, n, np.int64)), mask
    element = cel.element_of(kind)
    if isinstance(col, ListCol) and element is not None:
        parts = [materialise(item, element, n, strings)[0] for item in col.items]
        return np.stack(parts, axis=1), mask
    if isinstance(col, ConstList):
        return np.tile(np.array(col.values), (n, 1)), mask
    if isinstance(col, MapCol):
        value_kind = kind.split(",", 1)[1][:-1]
        parts_by_key = {
            key: materialise(item, value_kind, n, strings)[0]
            for key, item in zip(col.keys, col.items, strict=True)
        }
        return parts_by_key, mask
    raise VectorUnsupported(f"output of kind {kind}")


def statuses(col: BoolCol, n: int) -> npt.NDArray[np.int8]:
    """Status codes: 1 eligible, 0 ineligible, 2 unknown."""
    true = broadcast(col.t, n, bool)
    false = broadcast(col.f, n, bool)
    return np.where(true, 1, np.where(false, 0, 2)).astype(np.int8)


def combine(kind: str, children: Sequence[BoolCol]) -> BoolCol:
    """Kleene all/any/not over condition columns."""
    if kind == "not":
        return BoolCol(children[0].f, children[0].t)
    t: Mask = kind == "all"
    f: Mask = kind != "all"
    for child in children:
        if kind == "all":
            t, f = t & child.t, f | child.f
        else:
            t, f = t | child.t, f & child.f
    return BoolCol(t, f)
