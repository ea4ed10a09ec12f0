"""Compile the CEL AST to Python closures with three-valued (Kleene) semantics.

``UNKNOWN`` plays the part CEL gives to errors: ``&&`` and ``||`` absorb it when the other side
decides (``false && unknown == false``), everything else propagates it. That is exactly how a JS
CEL library treats an absent variable, so mobile pre-screening and the server agree.

While an expression runs, every unknown fact it reads is added to ``ctx.touched``; an unknown
result can then name the facts that would settle it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Final

from app.rules import cel
from app.rules.cel import TypeChecker


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
_MISSING: Final = object()


class Ctx:
    """Evaluation state for one profile and one policy version at one date."""

    __slots__ = ("facts", "params", "touched", "calc", "conditions", "memo", "vars")

    def __init__(
        self,
        facts: Mapping[str, Any],
        params: Mapping[str, Any],
        calc: Mapping[str, Fn],
        conditions: Mapping[str, Fn],
    ) -> None:
        self.facts = facts
        self.params = params
        self.calc = calc
        self.conditions = conditions
        self.touched: set[str] = set()
        self.memo: dict[str, tuple[Any, frozenset[str]]] = {}
        self.vars: dict[str, Any] = {}

    def resolve(self, key: str, fn: Fn) -> Any:
        """Evaluate a formula or condition once per context, replaying the facts it touched."""
        hit = self.memo.get(key)
        if hit is None:
            outer = self.touched
            self.touched = set()
            value = fn(self)
            hit = (value, frozenset(self.touched))
            self.memo[key] = hit
            self.touched = outer
        if hit[1]:
            self.touched |= hit[1]
        return hit[0]


Fn = Callable[[Ctx], Any]


def compile_node(node: cel.Node, types: TypeChecker) -> Fn:
    if isinstance(node, cel.Lit):
        value = node.value
        return lambda ctx: value
    if isinstance(node, cel.Fact):
        return _fact(node.name)
    if isinstance(node, cel.Param):
        name = node.name
        return lambda ctx: ctx.params[name]
    if isinstance(node, cel.Calc | cel.CondRef | cel.Var):
        return named_reference(node)
    if isinstance(node, cel.Has):
        return _has(node.name)
    if isinstance(node, cel.Unary):
        return _unary(node.op, compile_node(node.arg, types))
    if isinstance(node, cel.And | cel.Or):
        sides = compile_node(node.left, types), compile_node(node.right, types)
        return _logic(isinstance(node, cel.Or), *sides)
    if isinstance(node, cel.Cond):
        parts = (compile_node(n, types) for n in (node.test, node.then, node.orelse))
        return _cond(*parts)
    if isinstance(node, cel.Binary):
        integer = types.type_of(node.left) == cel.INT
        op = _binary_op(node.op, integer)
        return _binary(op, compile_node(node.left, types), compile_node(node.right, types))
    if isinstance(node, cel.In):
        return _in(node, types)
    if isinstance(node, cel.ListLit):
        return _list([compile_node(item, types) for item in node.items])
    if isinstance(node, cel.MapLit):
        return _map(node.keys, [compile_node(value, types) for value in node.values])
    if isinstance(node, cel.Call):
        return _call(node.func, [compile_node(arg, types) for arg in node.args])
    if isinstance(node, cel.Index):
        target, index = compile_node(node.target, types), compile_node(node.index, types)
        return lambda ctx: target(ctx)[index(ctx)]
    return _macro(
        node.macro, node.var, compile_node(node.target, types), compile_node(node.body, types)
    )


def named_reference(node: cel.Calc | cel.CondRef | cel.Var) -> Callable[[Any], Any]:
    """A formula, condition or comprehension variable, for either compiler: both contexts
    memoise formulas and conditions under the same keys and bind variables in ``vars``."""
    name = node.name
    if isinstance(node, cel.Var):
        return lambda ctx: ctx.vars[name]
    if isinstance(node, cel.Calc):
        calc_key = "calc." + name
        return lambda ctx: ctx.resolve(calc_key, ctx.calc[name])
    condition_key = "conditions." + name
    return lambda ctx: ctx.resolve(condition_key, ctx.conditions[name])


def _fact(name: str) -> Fn:
    def fact(ctx: Ctx) -> Any:
        value = ctx.facts.get(name, _MISSING)
        if value is _MISSING:
            ctx.touched.add(name)
            return UNKNOWN
        return value

    return fact


def _has(name: str) -> Fn:
    def has(ctx: Ctx) -> bool:
        if name in ctx.facts:
            return True
        # Absent here means the fact would settle the expression if given, so ask for it too.
        ctx.touched.add(name)
        return False

    return has


def _unary(op: str, arg: Fn) -> Fn:
    if op == "!":

        def negate(ctx: Ctx) -> Any:
            value = arg(ctx)
            return value if value is UNKNOWN else not value

        return negate

    def minus(ctx: Ctx) -> Any:
        value = arg(ctx)
        return value if value is UNKNOWN else -value

    return minus


def _logic(decisive: bool, left: Fn, right: Fn) -> Fn:
    """Kleene ``&&`` (decisive ``False``) or ``||`` (decisive ``True``): a decisive side wins
    even when the other is unknown; the right side runs only when the left does not decide."""

    def apply(ctx: Ctx) -> Any:
        a = left(ctx)
        if a is decisive:
            return decisive
        b = right(ctx)
        if b is decisive:
            return decisive
        return UNKNOWN if a is UNKNOWN or b is UNKNOWN else not decisive

    return apply


def _cond(test: Fn, then: Fn, orelse: Fn) -> Fn:
    def choose(ctx: Ctx) -> Any:
        flag = test(ctx)
        if flag is UNKNOWN:
            return UNKNOWN
        return then(ctx) if flag else orelse(ctx)

    return choose


def _int_div(a: int, b: int) -> Any:
    if b == 0:
        return UNKNOWN
    quotient = abs(a) // abs(b)
    return quotient if (a < 0) == (b < 0) else -quotient


def _int_mod(a: int, b: int) -> Any:
    if b == 0:
        return UNKNOWN
    remainder = abs(a) % abs(b)
    return -remainder if a < 0 else remainder


def _float_div(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 or a != a else math.copysign(math.inf, a) * math.copysign(1, b)
    return a / b


_OPS: Mapping[str, Callable[[Any, Any], Any]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}


def _binary_op(op: str, integer: bool) -> Callable[[Any, Any], Any]:
    if op == "/":
        return _int_div if integer else _float_div
    if op == "%":
        return _int_mod
    return _OPS[op]


def _binary(op: Callable[[Any, Any], Any], left: Fn, right: Fn) -> Fn:
    def apply(ctx: Ctx) -> Any:
        a = left(ctx)
        b = right(ctx)
        if a is UNKNOWN or b is UNKNOWN:
            return UNKNOWN
        return op(a, b)

    return apply


def _in(node: cel.In, types: TypeChecker) -> Fn:
    item = compile_node(node.item, types)
    container = node.container
    if isinstance(container, cel.ListLit) and all(isinstance(i, cel.Lit) for i in container.items):
        members = frozenset(i.value for i in container.items if isinstance(i, cel.Lit))

        def in_static(ctx: Ctx) -> Any:
            value = item(ctx)
            return value if value is UNKNOWN else value in members

        return in_static
    values = compile_node(container, types)

    def in_dynamic(ctx: Ctx) -> Any:
        value = item(ctx)
        pool = values(ctx)
        if value is UNKNOWN or pool is UNKNOWN:
            return UNKNOWN
        return value in pool

    return in_dynamic


def _list(items: list[Fn]) -> Fn:
    def build(ctx: Ctx) -> Any:
        values = [item(ctx) for item in items]
        return UNKNOWN if any(v is UNKNOWN for v in values) else values

    return build


def _map(keys: tuple[str, ...], values: list[Fn]) -> Fn:
    def build(ctx: Ctx) -> Any:
        out = {key: value(ctx) for key, value in zip(keys, values, strict=True)}
        return UNKNOWN if any(v is UNKNOWN for v in out.values()) else out

    return build


_CALLS: Mapping[str, Callable[..., Any]] = {
    "size": len,
    "int": lambda v: int(v),
    "double": float,
    "string": lambda v: ("true" if v else "false") if isinstance(v, bool) else str(v),
    "contains": lambda s, t: t in s,
    "startsWith": lambda s, t: s.startswith(t),
    "endsWith": lambda s, t: s.endswith(t),
}


def _call(func: str, args: list[Fn]) -> Fn:
    impl = _CALLS[func]

    def call(ctx: Ctx) -> Any:
        values = [arg(ctx) for arg in args]
        return UNKNOWN if any(v is UNKNOWN for v in values) else impl(*values)

    return call


def _macro(macro: str, var: str, target: Fn, body: Fn) -> Fn:
    decisive = macro == "exists"

    def comprehend(ctx: Ctx) -> Any:
        items = target(ctx)
        if items is UNKNOWN:
            return UNKNOWN
        saw_unknown = False
        outer = ctx.vars.get(var, _MISSING)
        try:
            for item in items:
                ctx.vars[var] = item
                result = body(ctx)
                if result is UNKNOWN:
                    saw_unknown = True
                elif result is decisive:
                    return decisive
        finally:
            if outer is _MISSING:
                ctx.vars.pop(var, None)
            else:
                ctx.vars[var] = outer
        return UNKNOWN if saw_unknown else not decisive

    return comprehend
