"""Counterfactual hints: what would turn an ineligible result around, checked by re-evaluation.

Two searches:

- *Value changes.* Walking the condition tree (and inside a condition, its ``&&``/``||``/``!``
  structure) towards "true", each false comparison proposes the smallest change of an entered fact
  that satisfies it: a numeric gap, or a set of allowed values. ``all`` needs every child, ``any``
  the cheapest; up to three cheapest options are kept, each applied to the facts and re-evaluated.
  Only options the re-evaluation confirms are returned. Derived facts (age, months since…) cannot
  be changed by the applicant, so they only appear through the date search; nor can what the
  vocabulary marks ``changeable: false`` (birth date, nationality, hukou, the university and
  degree already obtained, days already used): an option needing such a change is dropped, so
  a hint only ever asks for what a person can do (wait, earn, insure, obtain a certificate).
  An option that needs everything a cheaper confirmed option needs, and more, is dropped too:
  no hint repeats the same change.
- *Waiting.* If a false condition depends on time, the policy is evaluated month by month for ten
  years with counters advanced (social insurance months, permit years…) and derived ages and
  months recomputed, using the version and parameters in force at each date (the numpy timeline
  makes the 120 evaluations one batch). The first eligible month is then narrowed to the day by
  bisection and confirmed by a scalar evaluation.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from app.rules import batch, cel, vector
from app.rules.compiled import CompiledPolicy, Evaluation, TreeNode, combine
from app.rules.explain import DISTRICT_NAMES, format_value
from app.rules.facts import (
    FACTS,
    TIME_FACTS,
    FactValue,
    Text,
    advance,
    consistency_errors,
    derive,
)
from app.rules.results import Hint, build
from app.rules.scalar import UNKNOWN
from app.rules.shapes import NEGATE, Comparison, Flag, Includes, Membership
from app.rules.timeutil import add_months, whole_months

MAX_OPTIONS = 3
HORIZON_MONTHS = 120


@dataclass(frozen=True, slots=True)
class Change:
    kind: Literal["numeric_gap", "allowed_values"]
    fact: str
    current: Any
    target: Any
    condition_id: str
    cost: int


class Plan:
    """Changes needed together; ``key`` identifies the same changes reached by two paths."""

    __slots__ = ("changes", "cost", "key")

    def __init__(self, changes: tuple[Change, ...]) -> None:
        self.changes = changes
        self.cost = sum(change.cost for change in changes)
        self.key = frozenset((c.fact, repr(c.target)) for c in changes)


NOTHING = Plan(())


def _merge(first: Plan, second: Plan) -> Plan | None:
    if not first.changes:
        return second
    if not second.changes:
        return first
    merged = {change.fact: change for change in first.changes}
    for change in second.changes:
        other = merged.get(change.fact)
        if other is None:
            merged[change.fact] = change
        elif change.kind == other.kind == "numeric_gap":
            # Two thresholds on one counter: the further one satisfies both when they agree in
            # direction; re-evaluation rejects the option otherwise.
            further = abs(change.target - change.current) > abs(other.target - other.current)
            merged[change.fact] = change if further else other
        elif change.kind == other.kind == "allowed_values":
            common = [v for v in other.target if v in change.target]
            if not common:
                return None
            cost = max(change.cost, other.cost)
            kept = Change(
                "allowed_values", change.fact, change.current, common, other.condition_id, cost
            )
            merged[change.fact] = kept
        else:
            return None
    return Plan(tuple(merged.values()))


def _best(plans: list[Plan]) -> list[Plan]:
    if len(plans) <= 1:
        return plans
    unique: dict[frozenset[tuple[str, str]], Plan] = {}
    for plan in plans:
        unique.setdefault(plan.key, plan)
    return sorted(unique.values(), key=lambda plan: plan.cost)[:MAX_OPTIONS]


def _product(groups: Sequence[list[Plan]]) -> list[Plan]:
    combined: list[Plan] = [NOTHING]
    for group in groups:
        if group == [NOTHING]:
            continue
        merged = (_merge(a, b) for a, b in itertools.product(combined, group))
        combined = _best([plan for plan in merged if plan is not None])
    return combined


class _Search:
    def __init__(self, ev: Evaluation) -> None:
        self.ev = ev
        self._outcomes: dict[int, Any] = {}

    def outcome(self, node: TreeNode) -> Any:
        key = id(node)
        if key not in self._outcomes:
            self._outcomes[key] = combine(node, self.ev.values)
        return self._outcomes[key]

    def value(self, node: cel.Node) -> Any:
        return self.ev.policy.fn_for(node)(self.ev.ctx)

    def tree(self, node: TreeNode, target: bool) -> list[Plan]:
        if node.op == "leaf":
            value = self.ev.values[node.leaf]
            if value is UNKNOWN or value is target:
                return [NOTHING]
            leaf = self.ev.policy.leaves[node.leaf]
            return self.expr(leaf.node, target, leaf.atomic.id, value)
        if node.op == "not":
            return self.tree(node.children[0], not target)
        if self.outcome(node) is target:
            return [NOTHING]
        groups = [self.tree(child, target) for child in node.children]
        needs_all = (node.op == "all") == target
        return _product(groups) if needs_all else _best([p for g in groups for p in g])

    def expr(
        self, node: cel.Node, target: bool, condition: str, value: Any = UNKNOWN
    ) -> list[Plan]:
        """Plans making ``node`` equal ``target``; ``value`` is its current value when known
        (a condition's own result), otherwise it is evaluated."""
        if value is UNKNOWN:
            value = self.value(node)
        if value is UNKNOWN or value is target:
            return [NOTHING]
        if isinstance(node, cel.And | cel.Or):
            groups = [self.expr(side, target, condition) for side in (node.left, node.right)]
            needs_both = isinstance(node, cel.And) == target
            return _product(groups) if needs_both else _best([p for g in groups for p in g])
        if isinstance(node, cel.Unary) and node.op == "!":
            return self.expr(node.arg, not target, condition)
        change = self.change(node, target, condition)
        return [Plan((change,))] if change is not None else []

    def change(self, node: cel.Node, target: bool, condition: str) -> Change | None:
        shape = self.ev.policy.shape(node)
        fact_of = shape.fact if isinstance(shape, Flag | Includes) else None
        if fact_of is not None and not FACTS[fact_of].can_change:
            return None
        if isinstance(shape, Flag):
            wanted = shape.expected if target else not shape.expected
            return self._allowed(shape.fact, [wanted], condition)
        if isinstance(shape, Includes):
            return self._allowed(shape.fact, list(shape.values), condition) if target else None
        if shape is None or not isinstance(shape.subject, cel.Fact):
            return None
        fact = shape.subject.name
        if not FACTS[fact].can_change:
            return None
        if isinstance(shape, Membership):
            values = list(self.value(shape.values))
            if not target:
                values = [code for code in FACTS[fact].codes if code not in values]
            return self._allowed(fact, values, condition) if values else None
        assert isinstance(shape, Comparison)
        return self._numeric(fact, shape.op if target else NEGATE[shape.op], shape.bound, condition)

    def _allowed(self, fact: str, values: list[Any], condition: str) -> Change:
        current = self.ev.facts.get(fact)
        return Change("allowed_values", fact, current, values, condition, 4)

    def _numeric(self, fact: str, op: str, bound_node: cel.Node, condition: str) -> Change | None:
        spec = FACTS[fact]
        bound = self.value(bound_node)
        current = self.ev.facts.get(fact)
        if op == "==" or spec.type not in ("int", "number"):
            return self._allowed(fact, [bound], condition) if op == "==" else None
        step = 1 if spec.type == "int" else spec.step
        targets = {">=": bound, ">": bound + step, "<=": bound, "<": bound - step, "==": bound}
        if op not in targets:
            return None
        target = targets[op]
        target = int(target) if spec.type == "int" else float(target)
        # Waiting is the cheapest change (counters grow by themselves); values that take effort
        # next; a different category (another degree, title, district) last.
        cost = 1 if spec.advances else 3
        return Change("numeric_gap", fact, current, target, condition, cost)


def apply(entered: dict[str, FactValue], plan: Plan) -> dict[str, FactValue]:
    changed = dict(entered)
    for change in plan.changes:
        if change.kind == "numeric_gap":
            changed[change.fact] = change.target
        elif FACTS[change.fact].type == "list":
            current = changed.get(change.fact) or ()
            assert isinstance(current, tuple)
            changed[change.fact] = tuple(sorted({*current, change.target[0]}))
        else:
            changed[change.fact] = change.target[0]
    return changed


def _number_agreed(english: str, count: float) -> str:
    """English gap phrases are written for the plural: "1 more month", not "1 more months"."""
    if count == 1:
        return english.replace(" months", " month").replace("year(s)", "year")
    return english.replace("year(s)", "years")


def _message(change: Change, district: str) -> Text:
    spec = FACTS[change.fact]
    place = DISTRICT_NAMES[district]
    if change.kind == "allowed_values":
        zh_values = format_value(change.target, "zh", change.fact)
        en_values = format_value(change.target, "en", change.fact)
        label_en = spec.label.en[:1].upper() + spec.label.en[1:]
        return Text(zh=f"{spec.label.zh}需为：{zh_values}", en=f"{label_en}: must be {en_values}")
    delta = change.target - (change.current or 0)
    unit = spec.unit or Text(zh="", en="")
    if spec.gap is not None and delta > 0:
        fields = {"delta": delta, "to": change.target, "from": change.current}

        def fill(template: str, lang: str) -> str:
            text = template.replace("{district}", place.get(lang))
            for key, value in fields.items():
                text = text.replace("{" + key + "}", format_value(value, lang))
            return text

        english = _number_agreed(fill(spec.gap.en, "en"), delta)
        return Text(zh=fill(spec.gap.zh, "zh"), en=english[:1].upper() + english[1:])
    fact = change.fact
    now_zh, now_en = (
        format_value(change.current, "zh", fact),
        format_value(change.current, "en", fact),
    )
    to_zh, to_en = format_value(change.target, "zh", fact), format_value(change.target, "en", fact)
    if change.current is not None:
        now_zh, now_en = f"{now_zh}{unit.zh}", f"{now_en} {unit.en}".rstrip()
    label_en = spec.label.en[:1].upper() + spec.label.en[1:]
    if delta > 0:
        return Text(
            zh=f"{spec.label.zh}需达到{to_zh}{unit.zh}（目前{now_zh}）",
            en=f"{label_en}: needs {to_en} {unit.en} (now {now_en})".replace("  ", " "),
        )
    return Text(
        zh=f"{spec.label.zh}需不超过{to_zh}{unit.zh}（目前{now_zh}）",
        en=f"{label_en}: must be at most {to_en} {unit.en} (now {now_en})".replace("  ", " "),
    )


def value_hints(ev: Evaluation, entered: dict[str, FactValue], lang: str) -> list[Hint]:
    hints: list[Hint] = []
    option = 0
    confirmed: list[frozenset[tuple[str, str]]] = []
    for plan in _Search(ev).tree(ev.policy.tree, True):
        if not plan.changes or any(key <= plan.key for key in confirmed):
            continue
        if consistency_errors(apply(entered, plan), None):
            # e.g. seven insured years while holding the permit for five: no one can do that
            continue
        outcome = _verify(ev, plan)
        if outcome is False:
            continue
        confirmed.append(plan.key)
        option += 1
        status = "unknown" if outcome is UNKNOWN else "eligible"
        for change in plan.changes:
            text = _message(change, ev.policy.spec.district)
            hints.append(
                build(
                    Hint,
                    kind=change.kind,
                    fact=change.fact,
                    from_=_json(change.current),
                    to=_json(change.target),
                    date=None,
                    condition_id=change.condition_id,
                    option=option,
                    result_status=status,
                    message=text.get(lang),
                    messages=text,
                )
            )
    return hints


def _verify(ev: Evaluation, plan: Plan) -> Any:
    """Re-evaluate with the plan applied: only conditions reading a changed fact run again
    (``leaf.facts`` is transitive, so every other result is unchanged)."""
    policy = ev.policy
    changed = {change.fact for change in plan.changes}
    facts = dict(ev.facts)
    facts.update(apply({n: ev.facts[n] for n in changed if n in ev.facts}, plan))
    ctx = policy.context(facts, ev.params)
    values = list(ev.values)
    for leaf in policy.leaves:
        if leaf.facts & changed:
            values[leaf.index] = ctx.resolve("conditions." + leaf.atomic.id, leaf.fn)
    return combine(policy.tree, values)


def _waiting_may_help(node: TreeNode, ev: Evaluation) -> bool:
    """Whether time alone could make ``node`` true: every false condition it needs depends on
    time in the helpful direction (``months_since_return < 12`` only gets worse)."""
    if node.op == "leaf":
        value = ev.values[node.leaf]
        if value is not False:
            return value is True
        return _may_turn_true(ev.policy.leaves[node.leaf].node, ev)
    if node.op == "not":
        return True
    results = (_waiting_may_help(child, ev) for child in node.children)
    return all(results) if node.op == "all" else any(results)


def _may_turn_true(node: cel.Node, ev: Evaluation) -> bool:
    value = ev.policy.fn_for(node)(ev.ctx)
    if value is not False:
        return value is True
    if isinstance(node, cel.And):
        return _may_turn_true(node.left, ev) and _may_turn_true(node.right, ev)
    if isinstance(node, cel.Or):
        return _may_turn_true(node.left, ev) or _may_turn_true(node.right, ev)
    shape = ev.policy.shape(node)
    if isinstance(shape, Comparison) and isinstance(shape.subject, cel.Fact):
        if shape.subject.name not in TIME_FACTS:
            return False
        growing = shape.subject.name != "contract_months_remaining"
        if shape.op in (">", ">="):
            return growing
        if shape.op in ("<", "<="):
            return not growing
        return True
    if isinstance(shape, Membership | Flag | Includes):
        return False
    # Anything else (formulas, arithmetic on dates) may move with time: let the scan decide.
    return bool(cel.referenced(node, cel.Calc)) or bool(cel.referenced(node, cel.Fact) & TIME_FACTS)


def _json(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    return value.isoformat() if isinstance(value, date) else value


_SCALAR_KINDS = frozenset({cel.INT, cel.DOUBLE, cel.BOOL, cel.STRING})


class _Waiting:
    """The applicant's situation carried forward in time, nothing else changing."""

    def __init__(
        self, ev: Evaluation, entered: dict[str, FactValue], versions: Sequence[CompiledPolicy]
    ) -> None:
        self.ev = ev
        self.entered = entered
        self.versions = versions
        # Conditions that ignore time keep their present result while the version and its
        # parameters stay the same, so only the time-dependent ones are recomputed.
        policy = ev.policy
        self.fixed: dict[str, Any] = {
            "conditions." + leaf.atomic.id: ev.values[leaf.index]
            for leaf in policy.leaves
            if leaf not in policy.time_leaves
        }
        for name, formula in policy.formulas.items():
            if formula.facts & TIME_FACTS or formula.kind not in _SCALAR_KINDS:
                continue
            value = ev.output(name)
            if value is not UNKNOWN:
                self.fixed["calc." + name] = value

    def eligible_on(self, day: date) -> bool:
        policy = next((v for v in self.versions if v.covers(day)), None)
        if policy is None:
            return False
        facts = derive(advance(self.entered, whole_months(self.ev.as_of, day)), day)
        return policy.outcome_later(self.ev, facts, day) is True

    def first_month(self) -> int | None:
        """Months until the first eligible month step (within the horizon), by numpy batches."""
        start = self.ev.as_of
        days = month_steps(start, HORIZON_MONTHS)
        offsets = np.arange(1, HORIZON_MONTHS + 1)
        first: int | None = None
        for policy in self.versions:
            covered = days >= np.datetime64(policy.spec.valid_from, "D")
            if policy.spec.valid_to is not None:
                covered &= days <= np.datetime64(policy.spec.valid_to, "D")
            changes = np.array(policy.param_changes, dtype="datetime64[D]")
            epochs = np.searchsorted(changes, days, side="right")
            for epoch in np.unique(epochs[covered]).tolist():
                rows = covered & (epochs == epoch)
                hits = self._hits(policy, days[rows], offsets[rows], epoch)
                if hits and (first is None or hits[0] < first):
                    first = hits[0]
        return first

    def _hits(
        self,
        policy: CompiledPolicy,
        days: npt.NDArray[np.datetime64],
        months: npt.NDArray[np.int64],
        epoch: int,
    ) -> list[int]:
        same = policy is self.ev.policy and epoch == policy.param_epoch(self.ev.as_of)
        try:
            source = batch.TimelineColumns(self.entered, days, months)
            params = policy.params_at(days[0].item())
            root, _ = batch.run(policy, source, params, self.fixed if same else None)
            return [int(k) for k in months[vector.statuses(root, source.n) == 1]]
        except vector.VectorUnsupported:
            return [k for k in months.tolist() if self.eligible_on(days[k - months[0]].item())]


def month_steps(start: date, count: int) -> npt.NDArray[np.datetime64]:
    """``start`` plus 1..count months, day clamped to month ends (as :func:`add_months`)."""
    months = np.datetime64(start, "M") + np.arange(1, count + 1)
    firsts = months.astype("datetime64[D]")
    lengths = ((months + 1).astype("datetime64[D]") - firsts).astype(np.int64)
    steps: npt.NDArray[np.datetime64] = firsts + np.minimum(start.day, lengths) - 1
    return steps


def eligible_from(
    ev: Evaluation,
    entered: dict[str, FactValue],
    versions: Sequence[CompiledPolicy],
    lang: str,
    option: int,
) -> Hint | None:
    """The first day eligibility is reached by waiting, if within the horizon."""
    if not _waiting_may_help(ev.policy.tree, ev):
        return None
    waiting = _Waiting(ev, entered, versions)
    month = waiting.first_month()
    if month is None:
        return None
    start = ev.as_of
    low, high = add_months(start, month - 1), add_months(start, month)
    # Counters move on month steps, so the step itself is usually the first eligible day; a
    # birthday or anniversary inside the month needs the bisection.
    day_before = date.fromordinal(high.toordinal() - 1)
    if day_before > low and waiting.eligible_on(day_before):
        high = day_before
    else:
        low = day_before
    while (high - low).days > 1:
        middle = date.fromordinal((low.toordinal() + high.toordinal()) // 2)
        if waiting.eligible_on(middle):
            high = middle
        else:
            low = middle
    if not waiting.eligible_on(high):
        return None
    day = high.isoformat()
    text = Text(
        zh=f"如其他情况不变（继续缴纳社保、持有证件等），将于{day}起符合条件",
        en=f"If nothing else changes (insurance, permits and jobs continue), eligible from {day}",
    )
    return build(
        Hint,
        kind="eligible_from",
        fact=None,
        from_=None,
        to=None,
        date=high,
        condition_id=None,
        option=option,
        result_status="eligible",
        message=text.get(lang),
        messages=text,
    )
