"""Recognised shapes of boolean expressions, for explanations and hints.

``fact op bound`` gives an actual value and a requirement, and tells the hint search which fact
to move and to where; anything else is explained as the expression itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.rules import cel
from app.rules.facts import FACTS

FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


@dataclass(frozen=True)
class Comparison:
    """``subject op bound`` with the bound free of facts (subject on the left)."""

    subject: cel.Node
    op: str
    bound: cel.Node


@dataclass(frozen=True)
class Membership:
    """``subject in values`` for a scalar subject and a fact-free list."""

    subject: cel.Node
    values: cel.Node


@dataclass(frozen=True)
class Includes:
    """A list fact that must include ``value`` (``'x' in list``) or any of ``values``."""

    fact: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Flag:
    fact: str
    expected: bool


Shape = Comparison | Membership | Includes | Flag


def fact_free(node: cel.Node) -> bool:
    kinds = (cel.Fact, cel.Has, cel.Calc, cel.CondRef, cel.Var)
    return not any(isinstance(n, kinds) for n in cel.walk(node))


def _subject(node: cel.Node) -> bool:
    return isinstance(node, cel.Fact | cel.Calc)


def shape_of(node: cel.Node) -> Shape | None:
    if isinstance(node, cel.Binary) and node.op in cel.COMPARE_OPS:
        if _subject(node.left) and fact_free(node.right):
            return Comparison(node.left, node.op, node.right)
        if _subject(node.right) and fact_free(node.left):
            return Comparison(node.right, FLIP[node.op], node.left)
    if isinstance(node, cel.In):
        if _subject(node.item) and fact_free(node.container):
            return Membership(node.item, node.container)
        if isinstance(node.item, cel.Lit) and isinstance(node.container, cel.Fact):
            return Includes(node.container.name, (str(node.item.value),))
    if isinstance(node, cel.Fact) and FACTS[node.name].type == "bool":
        return Flag(node.name, True)
    inner = node.arg if isinstance(node, cel.Unary) and node.op == "!" else None
    if isinstance(inner, cel.Fact) and FACTS[inner.name].type == "bool":
        return Flag(inner.name, False)
    if isinstance(node, cel.Macro) and node.macro == "exists" and isinstance(node.target, cel.Fact):
        body = node.body
        if isinstance(body, cel.In) and isinstance(body.item, cel.Var):
            container = body.container
            if isinstance(container, cel.ListLit) and all(
                isinstance(i, cel.Lit) for i in container.items
            ):
                values = tuple(str(i.value) for i in container.items if isinstance(i, cel.Lit))
                return Includes(node.target.name, values)
    return None
