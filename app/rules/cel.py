"""CEL expressions: parsing with cel-python's grammar, a small typed AST, and static checks.

Policy files are also evaluated on mobile clients by JS CEL libraries, so expressions must stay
inside standard CEL. The type checker below enforces the portable subset: no mixed int/double
arithmetic or comparison (standard CEL has no such overloads), only the standard functions and
macros listed in ``docs/rules.md``, and names resolved at load time so a typo fails the load,
not an applicant's evaluation.

Names an expression may use:

- a fact from the vocabulary, bare (``age``, ``highest_degree``); date facts are reached only
  through the facts derived from them;
- ``params.<name>``: a parameter of the policy, at its value on the evaluation date;
- ``calc.<name>``: a named formula of the policy;
- ``conditions.<id>``: the result of an atomic condition;
- ``has(facts.<name>)``: whether a fact is known, the one presence test (used to prefer an
  officially scored value over the engine's own computation).

The parser is cel-python's Lark grammar; parsing is slow (grammar build ~0.5 s, ~0.5 ms per
expression), so parsed ASTs are cached on disk by expression text (see :func:`parse_many`).

Why one module of this length: the grammar walk, the typed AST and the type checker share
every node class and must agree node by node; split, each half would re-import the other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import lark

from app.rules import diskcache
from app.rules.facts import FACTS

if TYPE_CHECKING:
    import lark

AST_FORMAT = 1


class CelError(ValueError):
    """An expression that does not parse or does not type-check."""


@dataclass(frozen=True, slots=True)
class Lit:
    value: bool | int | float | str


@dataclass(frozen=True, slots=True)
class Fact:
    name: str


@dataclass(frozen=True, slots=True)
class Param:
    name: str


@dataclass(frozen=True, slots=True)
class Calc:
    name: str


@dataclass(frozen=True, slots=True)
class CondRef:
    name: str


@dataclass(frozen=True, slots=True)
class Has:
    name: str


@dataclass(frozen=True, slots=True)
class Var:
    name: str


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    arg: Node


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Or:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Cond:
    test: Node
    then: Node
    orelse: Node


@dataclass(frozen=True, slots=True)
class In:
    item: Node
    container: Node


@dataclass(frozen=True, slots=True)
class ListLit:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class MapLit:
    keys: tuple[str, ...]
    values: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Index:
    target: Node
    index: Node


@dataclass(frozen=True, slots=True)
class Macro:
    macro: str
    target: Node
    var: str
    body: Node


Node: TypeAlias = (
    Lit
    | Fact
    | Param
    | Calc
    | CondRef
    | Has
    | Var
    | Unary
    | Binary
    | And
    | Or
    | Cond
    | In
    | ListLit
    | MapLit
    | Call
    | Index
    | Macro
)
NODE_TYPES: Mapping[str, type] = {
    cls.__name__: cls
    for cls in (Lit, Fact, Param, Calc, CondRef, Has, Var, Unary, Binary, And, Or, Cond, In)
    + (ListLit, MapLit, Call, Index, Macro)
}

COMPARE_OPS = frozenset({"<", "<=", ">", ">=", "==", "!="})
ARITH_OPS = frozenset({"+", "-", "*", "/", "%"})
FUNCTIONS = frozenset({"size", "int", "double", "string"})
STRING_METHODS = frozenset({"contains", "startsWith", "endsWith"})
MACROS = frozenset({"exists", "all"})
NAMESPACES = frozenset({"params", "calc", "conditions"})


# --- parsing ----------------------------------------------------------------------------------

_RELATIONS = {
    "relation_lt": "<",
    "relation_le": "<=",
    "relation_gt": ">",
    "relation_ge": ">=",
    "relation_eq": "==",
    "relation_ne": "!=",
    "relation_in": "in",
}
_ARITH = {
    "addition_add": "+",
    "addition_sub": "-",
    "multiplication_mul": "*",
    "multiplication_div": "/",
    "multiplication_mod": "%",
}


def _expr_list(tree: lark.Tree[Any] | None, scope: frozenset[str]) -> tuple[Node, ...]:
    if tree is None:
        return ()
    return tuple(_convert(child, scope) for child in tree.children)


def _convert(tree: Any, scope: frozenset[str]) -> Node:
    # celpy and lark take about 150 ms to import; a warm AST cache never parses, so start-up
    # (bench/rules.py, cold start) imports them only when an expression must be parsed.
    import lark

    if isinstance(tree, lark.Token):
        raise CelError(f"unexpected token {tree!r}")
    rule = str(tree.data)
    kids = tree.children
    if rule == "expr":
        if len(kids) == 1:
            return _convert(kids[0], scope)
        return Cond(_convert(kids[0], scope), _convert(kids[1], scope), _convert(kids[2], scope))
    if rule in ("conditionalor", "conditionaland"):
        if len(kids) == 1:
            return _convert(kids[0], scope)
        pair = (_convert(kids[0], scope), _convert(kids[1], scope))
        return Or(*pair) if rule == "conditionalor" else And(*pair)
    if rule in ("relation", "addition", "multiplication"):
        if len(kids) == 1:
            return _convert(kids[0], scope)
        op_tree, right = kids
        left = _convert(op_tree.children[0], scope)
        op = _RELATIONS.get(str(op_tree.data)) or _ARITH[str(op_tree.data)]
        if op == "in":
            return In(left, _convert(right, scope))
        return Binary(op, left, _convert(right, scope))
    if rule == "unary":
        if len(kids) == 1:
            return _convert(kids[0], scope)
        op = "!" if str(kids[0].data) == "unary_not" else "-"
        return Unary(op, _convert(kids[1], scope))
    if rule in ("member", "primary", "paren_expr"):
        return _convert(kids[0], scope)
    if rule == "literal":
        return _literal(kids[0])
    if rule == "ident":
        return _ident(str(kids[0]), scope)
    if rule == "member_dot":
        return _select(kids[0], str(kids[1]))
    if rule == "member_index":
        return Index(_convert(kids[0], scope), _convert(kids[1], scope))
    if rule == "member_dot_arg":
        return _method(kids[0], str(kids[1]), kids[2] if len(kids) > 2 else None, scope)
    if rule == "ident_arg":
        return _function(str(kids[0]), kids[1] if len(kids) > 1 else None, scope)
    if rule == "list_lit":
        return ListLit(_expr_list(kids[0] if kids else None, scope))
    if rule == "map_lit":
        return _map(kids[0] if kids else None, scope)
    raise CelError(f"unsupported CEL construct: {rule}")


def _literal(token: Any) -> Lit:
    # celpy and lark take about 150 ms to import; a warm AST cache never parses, so start-up
    # (bench/rules.py, cold start) imports them only when an expression must be parsed.
    from celpy.evaluation import celstr

    kind = token.type
    text = str(token)
    if kind == "INT_LIT":
        return Lit(int(text, 16) if "0x" in text.lower() else int(text))
    if kind == "FLOAT_LIT":
        return Lit(float(text))
    if kind == "BOOL_LIT":
        return Lit(text == "true")
    if kind in ("STRING_LIT", "MLSTRING_LIT"):
        return Lit(str(celstr(token)))
    raise CelError(f"unsupported literal {text} (null, bytes and uint are not used)")


def _ident(name: str, scope: frozenset[str]) -> Node:
    if name in scope:
        return Var(name)
    if name in NAMESPACES or name == "facts":
        raise CelError(f"'{name}' must be followed by '.name'")
    spec = FACTS.get(name)
    if spec is None:
        raise CelError(f"unknown fact '{name}'")
    if spec.type == "date":
        raise CelError(f"date fact '{name}' is used through its derived facts (age, months_...)")
    return Fact(name)


def _namespace(tree: Any) -> str | None:
    """The identifier a tree reduces to through single-child rules, if it is one."""
    # celpy and lark take about 150 ms to import; a warm AST cache never parses, so start-up
    # (bench/rules.py, cold start) imports them only when an expression must be parsed.
    import lark

    node = tree
    while isinstance(node, lark.Tree) and str(node.data) != "ident" and len(node.children) == 1:
        node = node.children[0]
    if isinstance(node, lark.Tree) and str(node.data) == "ident":
        return str(node.children[0])
    return None


def _select(target: Any, field: str) -> Node:
    space = _namespace(target)
    if space == "params":
        return Param(field)
    if space == "calc":
        return Calc(field)
    if space == "conditions":
        return CondRef(field)
    raise CelError(f"field selection '.{field}' is only allowed on params, calc and conditions")


def _method(target: Any, name: str, args: Any, scope: frozenset[str]) -> Node:
    if name in MACROS:
        arg_trees = [] if args is None else list(args.children)
        if len(arg_trees) != 2:
            raise CelError(f"{name}() takes a variable and a predicate")
        var = _namespace(arg_trees[0])
        if var is None:
            raise CelError(f"the first argument of {name}() must be a variable name")
        return Macro(name, _convert(target, scope), var, _convert(arg_trees[1], scope | {var}))
    receiver = _convert(target, scope)
    call_args = _expr_list(args, scope)
    if name == "size" and not call_args:
        return Call("size", (receiver,))
    if name in STRING_METHODS and len(call_args) == 1:
        return Call(name, (receiver, call_args[0]))
    raise CelError(f"unsupported method .{name}()")


def _function(name: str, args: Any, scope: frozenset[str]) -> Node:
    if name == "has":
        arg_trees = [] if args is None else list(args.children)
        field = _has_field(arg_trees)
        if field not in FACTS or FACTS[field].derived:
            raise CelError(f"has(facts.{field}): not an entered fact")
        return Has(field)
    if name not in FUNCTIONS:
        raise CelError(f"unsupported function {name}()")
    call_args = _expr_list(args, scope)
    if len(call_args) != 1:
        raise CelError(f"{name}() takes one argument")
    return Call(name, call_args)


def _has_field(arg_trees: list[Any]) -> str:
    # celpy and lark take about 150 ms to import; a warm AST cache never parses, so start-up
    # (bench/rules.py, cold start) imports them only when an expression must be parsed.
    import lark

    node = arg_trees[0] if len(arg_trees) == 1 else None
    while isinstance(node, lark.Tree) and len(node.children) == 1:
        node = node.children[0]
    selects = isinstance(node, lark.Tree) and str(node.data) == "member_dot"
    if selects and _namespace(node.children[0]) == "facts":  # type: ignore[union-attr]
        return str(node.children[1])  # type: ignore[union-attr]
    raise CelError("has() is only supported as has(facts.<name>)")


def _map(tree: Any, scope: frozenset[str]) -> MapLit:
    items = _expr_list(tree, scope)
    keys = items[0::2]
    if not all(isinstance(key, Lit) and isinstance(key.value, str) for key in keys):
        raise CelError("map keys must be string literals")
    return MapLit(tuple(str(key.value) for key in keys if isinstance(key, Lit)), items[1::2])


def parse(text: str) -> Node:
    """Parse one CEL expression with cel-python's parser into the engine's AST."""
    # celpy and lark take about 150 ms to import; a warm AST cache never parses, so start-up
    # (bench/rules.py, cold start) imports them only when an expression must be parsed.
    from celpy.celparser import CELParseError, CELParser

    try:
        tree = CELParser().parse(text)
    except CELParseError as error:
        raise CelError(f"syntax error in {text!r}: {error}") from error
    return _convert(tree, frozenset())


# --- AST cache ----------------------------------------------------------------------------------


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def to_json(node: Node) -> Any:
    out: list[Any] = [type(node).__name__]
    for name in _field_names(type(node)):
        value = getattr(node, name)
        if isinstance(value, tuple):
            out.append([to_json(v) if not isinstance(v, str) else v for v in value])
        elif isinstance(value, str | bool | int | float):
            out.append(value)
        else:
            out.append(to_json(value))
    return out


def from_json(data: Any) -> Node:
    cls = NODE_TYPES[data[0]]
    values: list[Any] = []
    for name, raw in zip(_field_names(cls), data[1:], strict=True):
        if isinstance(raw, list) and name in ("items", "values", "args"):
            values.append(tuple(from_json(v) for v in raw))
        elif isinstance(raw, list) and name == "keys":
            values.append(tuple(raw))
        elif isinstance(raw, list):
            values.append(from_json(raw))
        else:
            values.append(raw)
    node: Node = cls(*values)
    return node


def parse_many(texts: Iterable[str]) -> dict[str, Node]:
    """Parse expressions, reusing the on-disk AST cache and adding what it lacked.

    Entries are keyed by the exact expression text under a stamp of the AST format and the
    vocabulary (an identifier resolves differently once a fact is added).
    """
    stamp = f"{AST_FORMAT}:" + hashlib.sha256(",".join(FACTS).encode()).hexdigest()[:16]
    cached = diskcache.read("cel-ast", stamp)
    result: dict[str, Node] = {}
    fresh = False
    for text in texts:
        if text in result:
            continue
        if text in cached:
            result[text] = from_json(cached[text])
        else:
            result[text] = parse(text)
            cached[text] = to_json(result[text])
            fresh = True
    if fresh:
        diskcache.write("cel-ast", stamp, cached)
    return result


# --- static types -------------------------------------------------------------------------------

INT, DOUBLE, BOOL, STRING = "int", "double", "bool", "string"


def list_of(element: str) -> str:
    return f"list<{element}>"


def element_of(kind: str) -> str | None:
    return kind[5:-1] if kind.startswith("list<") else None


_FACT_TYPES = {
    "bool": BOOL,
    "int": INT,
    "number": DOUBLE,
    "string": STRING,
    "enum": STRING,
    "country": STRING,
    "list": list_of(STRING),
}


def fact_type(name: str) -> str:
    return _FACT_TYPES[FACTS[name].type]


class TypeChecker:
    """Infers and checks the static type of every node, remembering it for the compilers.

    ``calc_type`` resolves a formula's type on demand (formulas may refer to each other in any
    order); the caller detects cycles.
    """

    def __init__(
        self,
        param_types: Mapping[str, str],
        calc_type: Callable[[str], str],
        condition_ids: frozenset[str],
    ) -> None:
        self.param_types = param_types
        self.calc_type = calc_type
        self.condition_ids = condition_ids
        self.types: dict[int, str] = {}

    def type_of(self, node: Node) -> str:
        known = self.types.get(id(node))
        if known is None:
            known = self._infer(node, {})
        return known

    def check(self, node: Node, expected: str | None = None) -> str:
        kind = self._infer(node, {})
        if expected is not None and kind != expected:
            raise CelError(f"expression has type {kind}, expected {expected}")
        return kind

    def _infer(self, node: Node, scope: Mapping[str, str]) -> str:
        kind = self._infer_node(node, scope)
        self.types[id(node)] = kind
        return kind

    def _infer_node(self, node: Node, scope: Mapping[str, str]) -> str:
        if isinstance(node, Lit):
            if isinstance(node.value, bool):
                return BOOL
            if isinstance(node.value, int):
                return INT
            return DOUBLE if isinstance(node.value, float) else STRING
        if isinstance(node, Fact):
            return fact_type(node.name)
        if isinstance(node, Param):
            if node.name not in self.param_types:
                raise CelError(f"unknown parameter params.{node.name}")
            return self.param_types[node.name]
        if isinstance(node, Calc):
            return self.calc_type(node.name)
        if isinstance(node, CondRef):
            if node.name not in self.condition_ids:
                raise CelError(f"unknown condition conditions.{node.name}")
            return BOOL
        if isinstance(node, Has):
            return BOOL
        if isinstance(node, Var):
            return scope[node.name]
        if isinstance(node, Unary):
            arg = self._infer(node.arg, scope)
            if node.op == "!" and arg == BOOL:
                return BOOL
            if node.op == "-" and arg in (INT, DOUBLE):
                return arg
            raise CelError(f"no overload for {node.op}{arg}")
        if isinstance(node, And | Or):
            for side in (node.left, node.right):
                if self._infer(side, scope) != BOOL:
                    raise CelError("&& and || need booleans")
            return BOOL
        if isinstance(node, Cond):
            if self._infer(node.test, scope) != BOOL:
                raise CelError("the condition of ?: must be a boolean")
            then, orelse = self._infer(node.then, scope), self._infer(node.orelse, scope)
            if then != orelse:
                raise CelError(f"?: branches differ: {then} and {orelse}")
            return then
        if isinstance(node, Binary):
            return self._binary(node, scope)
        if isinstance(node, In):
            item, container = self._infer(node.item, scope), self._infer(node.container, scope)
            if element_of(container) != item:
                raise CelError(f"no overload for {item} in {container}")
            return BOOL
        if isinstance(node, ListLit):
            kinds = {self._infer(item, scope) for item in node.items}
            if len(kinds) != 1:
                raise CelError("list literals must be non-empty and of one element type")
            return list_of(kinds.pop())
        if isinstance(node, MapLit):
            kinds = {self._infer(value, scope) for value in node.values}
            if len(kinds) != 1:
                raise CelError("map literals must be non-empty and of one value type")
            return f"map<string,{kinds.pop()}>"
        if isinstance(node, Call):
            return self._call(node, scope)
        if isinstance(node, Index):
            element = element_of(self._infer(node.target, scope))
            if element is None or self._infer(node.index, scope) != INT:
                raise CelError("indexing needs a list and an int")
            if not isinstance(node.target, Param) or not isinstance(node.index, Lit):
                raise CelError("only params.<list>[<literal>] may be indexed")
            return element
        return self._macro(node, scope)

    def _binary(self, node: Binary, scope: Mapping[str, str]) -> str:
        left, right = self._infer(node.left, scope), self._infer(node.right, scope)
        if left != right:
            raise CelError(f"no overload for {left} {node.op} {right} (convert with int/double)")
        if node.op in ("==", "!="):
            return BOOL
        if node.op in COMPARE_OPS:
            if left not in (INT, DOUBLE):
                raise CelError(f"no ordering on {left}")
            return BOOL
        if node.op == "+" and (left in (INT, DOUBLE, STRING) or element_of(left)):
            return left
        if node.op == "%" and left == INT:
            return INT
        if node.op in ("-", "*", "/") and left in (INT, DOUBLE):
            return left
        raise CelError(f"no overload for {left} {node.op} {right}")

    def _call(self, node: Call, scope: Mapping[str, str]) -> str:
        args = [self._infer(arg, scope) for arg in node.args]
        func = node.func
        if func == "size" and (args[0] == STRING or element_of(args[0])):
            return INT
        if func == "int" and args[0] in (INT, DOUBLE):
            return INT
        if func == "double" and args[0] in (INT, DOUBLE):
            return DOUBLE
        if func == "string" and args[0] in (INT, STRING, BOOL):
            return STRING
        if func in STRING_METHODS and args == [STRING, STRING]:
            return BOOL
        raise CelError(f"no overload for {func}({', '.join(args)})")

    def _macro(self, node: Macro, scope: Mapping[str, str]) -> str:
        element = element_of(self._infer(node.target, scope))
        if element is None:
            raise CelError(f"{node.macro}() needs a list")
        if self._infer(node.body, {**scope, node.var: element}) != BOOL:
            raise CelError(f"the predicate of {node.macro}() must be a boolean")
        return BOOL


def walk(node: Node) -> Iterable[Node]:
    """Every node of the tree, parents first."""
    yield node
    for name in _field_names(type(node)):
        value = getattr(node, name)
        children = value if isinstance(value, tuple) else (value,)
        for child in children:
            if not isinstance(child, str | bool | int | float):
                yield from walk(child)


def referenced(node: Node, kind: type) -> set[str]:
    """Names of the facts, params, calcs or conditions an expression uses."""
    return set(collect_names(node).get(kind, ()))


_NAMED = (Fact, Param, Calc, CondRef, Has)


def collect_names(node: Node) -> dict[type, frozenset[str]]:
    """The names an expression uses, by node kind, in one walk."""
    found: dict[type, set[str]] = {}
    for child in walk(node):
        if isinstance(child, _NAMED):
            found.setdefault(type(child), set()).add(child.name)
    return {kind: frozenset(names) for kind, names in found.items()}


def to_text(node: Node, params: Mapping[str, Any] | None = None) -> str:
    """CEL source for a node, with parameter values substituted when given (for explanations)."""
    if isinstance(node, Lit):
        return json.dumps(node.value, ensure_ascii=False)
    if isinstance(node, Fact | Var):
        return node.name
    if isinstance(node, Param):
        if params is not None and node.name in params:
            return json.dumps(params[node.name], ensure_ascii=False)
        return f"params.{node.name}"
    if isinstance(node, Calc):
        return f"calc.{node.name}"
    if isinstance(node, CondRef):
        return f"conditions.{node.name}"
    if isinstance(node, Has):
        return f"has(facts.{node.name})"
    if isinstance(node, Unary):
        return f"{node.op}{to_text(node.arg, params)}"
    if isinstance(node, And | Or):
        op = "&&" if isinstance(node, And) else "||"
        return f"({to_text(node.left, params)} {op} {to_text(node.right, params)})"
    if isinstance(node, Cond):
        parts = (to_text(n, params) for n in (node.test, node.then, node.orelse))
        return "({} ? {} : {})".format(*parts)
    if isinstance(node, Binary):
        return f"{to_text(node.left, params)} {node.op} {to_text(node.right, params)}"
    if isinstance(node, In):
        return f"{to_text(node.item, params)} in {to_text(node.container, params)}"
    if isinstance(node, ListLit):
        return "[" + ", ".join(to_text(item, params) for item in node.items) + "]"
    if isinstance(node, MapLit):
        pairs = (
            f'"{k}": {to_text(v, params)}' for k, v in zip(node.keys, node.values, strict=True)
        )
        return "{" + ", ".join(pairs) + "}"
    if isinstance(node, Index):
        if params is not None and isinstance(node.target, Param) and isinstance(node.index, Lit):
            values = params.get(node.target.name)
            if isinstance(values, list) and isinstance(node.index.value, int):
                return json.dumps(values[node.index.value], ensure_ascii=False)
        return f"{to_text(node.target, params)}[{to_text(node.index, params)}]"
    if isinstance(node, Call):
        args = [to_text(arg, params) for arg in node.args]
        if node.func in STRING_METHODS:
            return f"{args[0]}.{node.func}({args[1]})"
        return f"{node.func}({', '.join(args)})"
    return f"{to_text(node.target, params)}.{node.macro}({node.var}, {to_text(node.body, params)})"
