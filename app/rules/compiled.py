"""A policy version compiled for evaluation: typed expressions, closures, numpy plans.

Compiling also performs the static checks that must fail the load rather than an applicant's
evaluation: unknown names, type errors, non-portable CEL, dependency cycles between formulas and
conditions, and message templates naming things that do not exist.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from app.rules import cel, scalar, vector
from app.rules.cel import CelError, TypeChecker
from app.rules.facts import FACTS, TIME_FACTS, FactValue, base_facts, derive
from app.rules.scalar import UNKNOWN
from app.rules.schema import Atomic, Condition, Formula, Group, Parameter, PolicyFile
from app.rules.shapes import Shape, shape_of

GROUP_KEY = "\0group:"
TEMPLATE_FIELD = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")


@dataclass(frozen=True, eq=False)
class Leaf:
    index: int
    atomic: Atomic
    node: cel.Node
    fn: scalar.Fn
    facts: frozenset[str]
    params: frozenset[str]
    groups: tuple[str, ...]
    shape: Shape | None
    templates: Mapping[tuple[bool, str], Template]


@dataclass(frozen=True, eq=False)
class CompiledFormula:
    name: str
    spec: Formula
    node: cel.Node
    kind: str
    fn: scalar.Fn
    facts: frozenset[str]
    params: frozenset[str]


@dataclass(frozen=True, eq=False)
class TreeNode:
    op: Literal["all", "any", "not", "leaf"]
    children: tuple[TreeNode, ...] = ()
    leaf: int = -1
    group: Group | None = None


@dataclass(frozen=True, eq=False)
class VectorPlan:
    leaves: tuple[vector.VFn, ...]
    formulas: Mapping[str, vector.VFn]
    groups: Mapping[str, vector.VFn]


@dataclass(eq=False)
class Evaluation:
    """Scalar evaluation of one version for one profile: leaf results and what they touched."""

    policy: CompiledPolicy
    as_of: date
    facts: Mapping[str, FactValue]
    params: Mapping[str, Any]
    values: list[Any]
    touched: list[frozenset[str]]
    outcome: Any
    ctx: scalar.Ctx

    @property
    def status(self) -> Literal["eligible", "ineligible", "unknown"]:
        return status_name(self.outcome)

    def output(self, name: str) -> Any:
        return self.ctx.resolve("calc." + name, self.policy.formulas[name].fn)


def status_name(value: Any) -> Literal["eligible", "ineligible", "unknown"]:
    if value is UNKNOWN:
        return "unknown"
    return "eligible" if value else "ineligible"


def combine(node: TreeNode, values: Sequence[Any]) -> Any:
    """Kleene all/any/not over leaf results (``True``, ``False`` or ``UNKNOWN``)."""
    if node.op == "leaf":
        return values[node.leaf]
    if node.op == "not":
        inner = combine(node.children[0], values)
        return inner if inner is UNKNOWN else not inner
    decisive = node.op == "any"
    undecided = False
    for child in node.children:
        value = combine(child, values)
        if value is decisive:
            return decisive
        if value is UNKNOWN:
            undecided = True
    return UNKNOWN if undecided else not decisive


@dataclass(eq=False)
class CompiledPolicy:
    spec: PolicyFile
    content_hash: str
    leaves: tuple[Leaf, ...]
    tree: TreeNode
    formulas: Mapping[str, CompiledFormula]
    checker: TypeChecker
    groups: Mapping[str, scalar.Fn]
    vector_plan: VectorPlan | None
    vector_error: str | None
    _params_cache: dict[int, dict[str, Any]] = field(default_factory=dict)
    _node_fns: dict[int, scalar.Fn] = field(default_factory=dict)
    _shapes: dict[int, Shape | None] = field(default_factory=dict)
    _assumed_cache: dict[int, frozenset[str]] = field(default_factory=dict)
    requirements: dict[tuple[int, int], Any] = field(default_factory=dict)
    explain_views: Any = None

    def __post_init__(self) -> None:
        changes = {v.valid_from for p in self.spec.parameters.values() for v in p.values}
        self.param_changes: tuple[date, ...] = tuple(sorted(changes))
        names = {b for leaf in self.leaves for n in leaf.facts for b in base_facts(n)}
        outputs = (f for f in self.formulas.values() if f.spec.output)
        names |= {b for f in outputs for n in f.facts for b in base_facts(n)}
        self.facts_used: frozenset[str] = frozenset(names)
        """Entered facts the version can read (bases of derived facts included)."""
        self._calc_fns = {name: f.fn for name, f in self.formulas.items()}
        self._condition_fns = {leaf.atomic.id: leaf.fn for leaf in self.leaves}
        self._condition_fns.update(self.groups)
        self._leaf_keys = tuple("conditions." + leaf.atomic.id for leaf in self.leaves)
        self.time_leaves = tuple(leaf for leaf in self.leaves if leaf.facts & TIME_FACTS)
        used = {n for leaf in self.leaves for n in leaf.params}
        self.params_used = frozenset(used.union(*(f.params for f in outputs_all(self))))
        self.facts_used_sorted = tuple(sorted(self.facts_used))

    @property
    def policy_id(self) -> str:
        return self.spec.policy_id

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def outputs(self) -> tuple[str, ...]:
        return tuple(name for name, f in self.formulas.items() if f.spec.output)

    def covers(self, day: date) -> bool:
        end = self.spec.valid_to
        return self.spec.valid_from <= day and (end is None or day <= end)

    def param_epoch(self, day: date) -> int:
        """Which stretch between parameter changes ``day`` falls in (same epoch, same values)."""
        return bisect.bisect_right(self.param_changes, day)

    def params_at(self, day: date) -> dict[str, Any]:
        """Parameter values on ``day``; one shared dict per epoch, never to be mutated."""
        epoch = self.param_epoch(day)
        cached = self._params_cache.get(epoch)
        if cached is None:
            cached = {name: p.value_at(day) for name, p in self.spec.parameters.items()}
            self._params_cache[epoch] = cached
        return cached

    def assumed_at(self, day: date) -> frozenset[str]:
        """Parameters whose value on ``day`` is an assumption, not an official figure."""
        epoch = self.param_epoch(day)
        cached = self._assumed_cache.get(epoch)
        if cached is None:
            cached = frozenset(
                name
                for name, parameter in self.spec.parameters.items()
                if parameter.status == "assumed" or _entry_assumed(parameter, day)
            )
            self._assumed_cache[epoch] = cached
        return cached

    def shape(self, node: cel.Node) -> Shape | None:
        key = id(node)
        if key not in self._shapes:
            self._shapes[key] = shape_of(node)
        return self._shapes[key]

    def fn_for(self, node: cel.Node) -> scalar.Fn:
        """A closure for any sub-expression (explanations evaluate bounds and operands)."""
        fn = self._node_fns.get(id(node))
        if fn is None:
            fn = scalar.compile_node(node, self.checker)
            self._node_fns[id(node)] = fn
        return fn

    def context(self, facts: Mapping[str, FactValue], params: Mapping[str, Any]) -> scalar.Ctx:
        return scalar.Ctx(facts, params, self._calc_fns, self._condition_fns)

    def run(
        self,
        entered: Mapping[str, FactValue],
        as_of: date,
        derived: Mapping[str, FactValue] | None = None,
    ) -> Evaluation:
        facts = derive(entered, as_of) if derived is None else derived
        params = self.params_at(as_of)
        ctx = self.context(facts, params)
        values: list[Any] = []
        touched: list[frozenset[str]] = []
        memo = ctx.memo
        for leaf, key in zip(self.leaves, self._leaf_keys, strict=True):
            hit = memo.get(key)
            if hit is None:
                ctx.touched = set()
                hit = (leaf.fn(ctx), frozenset(ctx.touched))
                memo[key] = hit
            values.append(hit[0])
            touched.append(hit[1])
        outcome = combine(self.tree, values)
        return Evaluation(self, as_of, facts, params, values, touched, outcome, ctx)

    def outcome_later(self, ev: Evaluation, facts: Mapping[str, FactValue], day: date) -> Any:
        """The outcome on a later ``day`` for advanced ``facts`` (derived ones included), reusing
        ``ev``'s results for conditions that do not depend on time when the parameters are
        the same."""
        if ev.policy is not self or self.param_epoch(day) != self.param_epoch(ev.as_of):
            return self.run(facts, day, facts).outcome
        ctx = self.context(facts, ev.params)
        values = list(ev.values)
        for leaf in self.time_leaves:
            values[leaf.index] = ctx.resolve(self._leaf_keys[leaf.index], leaf.fn)
        return combine(self.tree, values)

    def outcome(self, entered: Mapping[str, FactValue], as_of: date) -> Any:
        """The status value alone (used to verify hints by re-evaluation)."""
        return self.run(entered, as_of).outcome


def outputs_all(policy: CompiledPolicy) -> list[CompiledFormula]:
    return [f for f in policy.formulas.values() if f.spec.output]


def _entry_assumed(parameter: Parameter, day: date) -> bool:
    current = None
    for entry in parameter.values:
        if entry.valid_from <= day:
            current = entry
    return current is not None and current.assumption is not None


def compile_policy(
    spec: PolicyFile, content_hash: str, asts: Mapping[str, cel.Node]
) -> CompiledPolicy:
    """Type-check and compile every expression of a policy version (raises :class:`CelError`)."""
    param_types = {
        name: p.type.replace("double", cel.DOUBLE) for name, p in spec.parameters.items()
    }
    for name, parameter in spec.parameters.items():
        for entry in parameter.values:
            _check_param_value(name, parameter.type, entry.value)
    atomics = spec.atomics()
    groups = named_groups(spec.conditions)
    group_asts = {gid: group_expression(group) for gid, group in groups.items()}
    ids = [a.id for a in atomics] + list(groups)
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise CelError(f"duplicate condition ids: {sorted(duplicates)}")
    formula_kinds: dict[str, str] = {}
    resolving: list[str] = []

    def calc_type(name: str) -> str:
        if name not in spec.formulas:
            raise CelError(f"unknown formula calc.{name}")
        if name in resolving:
            raise CelError(f"formula cycle: {' -> '.join([*resolving, name])}")
        if name not in formula_kinds:
            resolving.append(name)
            formula_kinds[name] = checker.check(asts[spec.formulas[name].expr])
            resolving.pop()
        return formula_kinds[name]

    checker = TypeChecker(param_types, calc_type, frozenset(ids))
    for atomic in atomics:
        _with_context(f"condition {atomic.id}", checker.check, asts[atomic.expr], cel.BOOL)
    for name in spec.formulas:
        _with_context(f"formula {name}", calc_type, name)
    for node in group_asts.values():
        checker.check(node, cel.BOOL)
    keyed_groups = {GROUP_KEY + gid: node for gid, node in group_asts.items()}
    facts_of = _transitive(spec, {**asts, **keyed_groups}, (cel.Fact, cel.Has))
    params_of = _transitive(spec, {**asts, **keyed_groups}, (cel.Param,))
    formulas = {
        name: CompiledFormula(
            name=name,
            spec=formula,
            node=asts[formula.expr],
            kind=formula_kinds[name],
            fn=scalar.compile_node(asts[formula.expr], checker),
            facts=facts_of["calc." + name],
            params=params_of["calc." + name],
        )
        for name, formula in spec.formulas.items()
    }
    leaves: list[Leaf] = []
    tree = _build_tree(spec, spec.conditions, (), leaves, checker, asts, (facts_of, params_of))
    group_fns = {gid: scalar.compile_node(node, checker) for gid, node in group_asts.items()}
    plan, error = _vector_plan(leaves, formulas, group_asts, checker)
    return CompiledPolicy(
        spec=spec,
        content_hash=content_hash,
        leaves=tuple(leaves),
        tree=tree,
        formulas=formulas,
        groups=group_fns,
        checker=checker,
        vector_plan=plan,
        vector_error=error,
    )


def named_groups(root: Group) -> dict[str, Group]:
    found: dict[str, Group] = {}

    def visit(node: Condition) -> None:
        if isinstance(node, Group):
            if node.id is not None:
                found[node.id] = node
            for child in node.children:
                visit(child)

    visit(root)
    return found


def group_expression(group: Group) -> cel.Node:
    """A named group as CEL over its children's results, so formulas can say
    ``conditions.<group id>`` (Kleene all/any/not are CEL's ``&&``, ``||``, ``!``)."""
    parts: list[cel.Node] = [
        cel.CondRef(child.id) if child.id is not None else group_expression(child)
        for child in group.children
    ]
    if group.operator == "not":
        return cel.Unary("!", parts[0])
    node = parts[0]
    for part in parts[1:]:
        node = cel.And(node, part) if group.operator == "all" else cel.Or(node, part)
    return node


def _with_context(where: str, check: Callable[..., object], *args: Any) -> None:
    try:
        check(*args)
    except CelError as error:
        raise CelError(f"{where}: {error}") from error


_PARAM_CHECKS: Mapping[str, Callable[[Any], bool]] = {
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "double": lambda v: isinstance(v, float),
    "bool": lambda v: isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "list<string>": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "list<int>": lambda v: (
        isinstance(v, list) and all(isinstance(x, int) and not isinstance(x, bool) for x in v)
    ),
    "list<double>": lambda v: isinstance(v, list) and all(isinstance(x, float) for x in v),
}


def _check_param_value(name: str, kind: str, value: Any) -> None:
    if not _PARAM_CHECKS[kind](value):
        raise CelError(f"parameter {name}: value {value!r} is not a {kind} (write 1.0 for doubles)")


def _transitive(
    spec: PolicyFile, asts: Mapping[str, cel.Node], kinds: tuple[type, ...]
) -> dict[str, frozenset[str]]:
    """Names (of facts, or of parameters) each condition and formula reads, directly or through
    the formulas and conditions it refers to.

    ``asts`` maps expression texts, and ``GROUP_KEY + id`` for named groups, to their ASTs.
    """
    exprs = {"calc." + name: f.expr for name, f in spec.formulas.items()}
    exprs.update({"conditions." + a.id: a.expr for a in spec.atomics()})
    exprs.update({"conditions." + gid: GROUP_KEY + gid for gid in named_groups(spec.conditions)})
    names = {key: cel.collect_names(asts[text]) for key, text in exprs.items()}
    direct = {
        key: set().union(*(found.get(kind, ()) for kind in kinds)) for key, found in names.items()
    }
    refs = {
        key: {"calc." + n for n in found.get(cel.Calc, ())}
        | {"conditions." + n for n in found.get(cel.CondRef, ())}
        for key, found in names.items()
    }
    result: dict[str, frozenset[str]] = {}

    def visit(key: str, stack: tuple[str, ...]) -> frozenset[str]:
        if key in result:
            return result[key]
        if key in stack:
            raise CelError(f"dependency cycle: {' -> '.join([*stack, key])}")
        names = set(direct[key])
        for ref in refs[key]:
            names |= visit(ref, (*stack, key))
        result[key] = frozenset(names)
        return result[key]

    for key in exprs:
        visit(key, ())
    return result


def _build_tree(
    spec: PolicyFile,
    node: Condition,
    groups: tuple[str, ...],
    leaves: list[Leaf],
    checker: TypeChecker,
    asts: Mapping[str, cel.Node],
    names_of: tuple[Mapping[str, frozenset[str]], Mapping[str, frozenset[str]]],
) -> TreeNode:
    if isinstance(node, Atomic):
        ast = asts[node.expr]
        leaf = Leaf(
            index=len(leaves),
            atomic=node,
            node=ast,
            fn=scalar.compile_node(ast, checker),
            facts=names_of[0]["conditions." + node.id],
            params=names_of[1]["conditions." + node.id],
            groups=groups,
            shape=shape_of(ast),
            templates=_templates(spec, node),
        )
        leaves.append(leaf)
        return TreeNode("leaf", leaf=leaf.index)
    inner = (*groups, node.id) if node.id else groups
    children = tuple(
        _build_tree(spec, c, inner, leaves, checker, asts, names_of) for c in node.children
    )
    return TreeNode(node.operator, children, group=node)


Template = tuple[tuple[str, str | None], ...]


def compile_template(spec: PolicyFile, where: str, text: str) -> Template:
    """Split a message into literal text and ``{field}`` names, checking each name exists.

    Splitting once at load keeps the regex off the evaluation path.
    """
    parts: list[tuple[str, str | None]] = []
    position = 0
    for match in TEMPLATE_FIELD.finditer(text):
        name = match.group(1)
        space, _, rest = name.partition(".")
        valid = (
            name in ("actual", "required")
            or (not rest and name in FACTS)
            or (space == "params" and rest in spec.parameters)
            or (space == "calc" and rest in spec.formulas)
        )
        if not valid:
            raise CelError(f"{where}: unknown template field {{{name}}}")
        parts.append((text[position : match.start()], name))
        position = match.end()
    parts.append((text[position:], None))
    return tuple(parts)


def _templates(spec: PolicyFile, atomic: Atomic) -> dict[tuple[bool, str], Template]:
    where = f"condition {atomic.id}"
    messages = atomic.messages
    return {
        (passed, lang): compile_template(spec, where, text.get(lang))
        for passed, text in ((True, messages.passed), (False, messages.failed))
        for lang in ("zh", "en")
    }


def _vector_plan(
    leaves: Sequence[Leaf],
    formulas: Mapping[str, CompiledFormula],
    group_asts: Mapping[str, cel.Node],
    checker: TypeChecker,
) -> tuple[VectorPlan | None, str | None]:
    try:
        leaf_fns = tuple(vector.compile_node(leaf.node, checker) for leaf in leaves)
        formula_fns = {name: vector.compile_node(f.node, checker) for name, f in formulas.items()}
        group_fns = {gid: vector.compile_node(node, checker) for gid, node in group_asts.items()}
    except vector.VectorUnsupported as error:
        return None, str(error)
    return VectorPlan(leaf_fns, formula_fns, group_fns), None
