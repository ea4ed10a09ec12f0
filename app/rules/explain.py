"""Explanations: each condition's result with actual and required values, messages, and the
ordered list of facts still worth asking for.

Ordering of ``missing_facts`` (the questionnaire asks the first one first):

1. Only facts of *relevant* unknown conditions count: walking down from the root through unknown
   groups only, so a condition inside an ``any`` that is already true, or an ``all`` that is
   already false, never asks for anything. Facts that only outputs need come last.
2. A fact ranks higher the more of these conditions are *decisive*: forcing the condition false
   makes the whole result ineligible (a veto: one answer can close the case), or forcing it true
   makes it eligible. Vetoes count before clinchers because a ``no`` ends the questionnaire.
3. Then by how many relevant conditions need the fact, then how shallow the shallowest one sits,
   then the vocabulary order (a stable, questionnaire-friendly tie-break).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.rules import cel
from app.rules.compiled import CompiledPolicy, Evaluation, Leaf, Template, TreeNode, combine
from app.rules.facts import FACT_ORDER, FACTS, VALUE_LABELS, Text, base_facts, to_json_value
from app.rules.results import ClauseRef, Criterion, Result
from app.rules.scalar import UNKNOWN
from app.rules.shapes import Comparison, Flag, Includes, Membership

DISTRICT_NAMES: Mapping[str, Text] = {
    "yangpu": Text(zh="杨浦区", en="Yangpu"),
    "changning": Text(zh="长宁区", en="Changning"),
    "shanghai": Text(zh="本市", en="Shanghai"),
    "national": Text(zh="全国", en="China"),
}


# --- values in messages ---------------------------------------------------------------------------


def format_value(value: Any, lang: str, fact: str | None = None) -> str:
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is str:
        labels = VALUE_LABELS.get(fact or "")
        text = labels.get(value) if labels else None
        return text.get(lang) if text is not None else str(value)
    if value is UNKNOWN or value is None:
        return "未知" if lang == "zh" else "unknown"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0")
    if isinstance(value, list | tuple):
        separator = "、" if lang == "zh" else ", "
        return separator.join(format_value(v, lang, fact) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


_PLAIN = frozenset({int, float, str, bool})


def json_value(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if value is UNKNOWN:
        return None
    if isinstance(value, date | tuple):
        return to_json_value(value)
    return value


# --- criteria -------------------------------------------------------------------------------------


def _operand(ev: Evaluation, node: cel.Node) -> Any:
    return ev.policy.fn_for(node)(ev.ctx)


@dataclass(frozen=True, slots=True)
class _View:
    """What explaining a condition needs that never changes: computed once per version."""

    subject_fact: str | None
    subject: cel.Node | None
    facts: tuple[str, ...]
    clauses: Mapping[str, ClauseRef]


def _views(policy: CompiledPolicy) -> tuple[_View, ...]:
    views: tuple[_View, ...] | None = policy.explain_views
    if views is None:
        views = policy.explain_views = tuple(_view(policy, leaf) for leaf in policy.leaves)
    return views


def _view(policy: CompiledPolicy, leaf: Leaf) -> _View:
    shape = leaf.shape
    fact: str | None = None
    subject: cel.Node | None = None
    if isinstance(shape, Comparison | Membership):
        if isinstance(shape.subject, cel.Fact):
            fact = shape.subject.name
        else:
            subject = shape.subject
    elif isinstance(shape, Includes | Flag):
        fact = shape.fact
    clause = leaf.atomic.clause
    document = policy.spec.documents[clause.document]
    clauses = {
        lang: ClauseRef(
            document=clause.document,
            document_title=document.title.get(lang),
            document_number=document.number,
            article=clause.article,
            text_zh=clause.text_zh,
            text_en=clause.text_en,
            verbatim=clause.verbatim,
        )
        for lang in ("zh", "en")
    }
    names = tuple(sorted(leaf.facts, key=FACT_ORDER.__getitem__))
    return _View(fact, subject, names, clauses)


def actual_required(ev: Evaluation, leaf: Leaf) -> tuple[Any, Any, str | None]:
    """The compared value, the requirement ``{"op", "value"}``, and the subject fact if any.

    Requirements depend only on parameters, so they are computed once per parameter epoch.
    """
    view = _views(ev.policy)[leaf.index]
    key = (leaf.index, id(ev.params))
    required = ev.policy.requirements.get(key)
    if required is None:
        required = ev.policy.requirements[key] = _requirement(ev, leaf)
    fact = view.subject_fact
    if fact is not None:
        actual = json_value(ev.facts.get(fact, UNKNOWN))
    elif view.subject is not None:
        actual = json_value(_operand(ev, view.subject))
    else:
        actual = {name: json_value(ev.facts.get(name, UNKNOWN)) for name in view.facts}
    return actual, {"op": required["op"], "value": required["value"]}, fact


def _requirement(ev: Evaluation, leaf: Leaf) -> dict[str, Any]:
    shape = leaf.shape
    if isinstance(shape, Comparison):
        return {"op": shape.op, "value": json_value(_operand(ev, shape.bound))}
    if isinstance(shape, Membership):
        return {"op": "in", "value": json_value(_operand(ev, shape.values))}
    if isinstance(shape, Includes):
        if len(shape.values) == 1:
            return {"op": "includes", "value": shape.values[0]}
        return {"op": "includes_any", "value": list(shape.values)}
    if isinstance(shape, Flag):
        return {"op": "==", "value": shape.expected}
    return {"op": "expr", "value": cel.to_text(leaf.node, ev.params)}


def criteria(ev: Evaluation, lang: str) -> list[Criterion]:
    policy = ev.policy
    out = []
    assumed = policy.assumed_at(ev.as_of)
    views = _views(policy)
    for leaf, value, touched in zip(policy.leaves, ev.values, ev.touched, strict=True):
        actual, required, fact = actual_required(ev, leaf)
        if value is UNKNOWN:
            missing = ordered_facts(touched)
            message = missing_message(missing, lang)
            result: Result = "unknown"
        else:
            missing = []
            message = _render(ev, leaf.templates[(value, lang)], lang, actual, required, fact)
            result = "true" if value else "false"
        out.append(
            Criterion(
                leaf.atomic.id,
                result,
                actual,
                required,
                views[leaf.index].clauses[lang],
                message,
                missing,
                leaf.groups,
                sorted(leaf.params & assumed) if assumed else [],
            )
        )
    return out


def _render(
    ev: Evaluation,
    template: Template,
    lang: str,
    actual: Any,
    required: Mapping[str, Any],
    fact: str | None,
) -> str:
    """Fill a pre-split message template (fields as mobile clients write them: ``{name}``)."""
    out: list[str] = []
    for literal, field in template:
        out.append(literal)
        if field is None:
            continue
        if field == "actual":
            out.append(format_value(actual, lang, fact))
        elif field == "required":
            out.append(format_value(required.get("value"), lang, fact))
        elif field.startswith("params."):
            out.append(format_value(ev.params[field[7:]], lang))
        elif field.startswith("calc."):
            out.append(format_value(ev.output(field[5:]), lang))
        else:
            out.append(format_value(ev.facts.get(field, UNKNOWN), lang, field))
    return "".join(out)


def missing_message(missing: Sequence[str], lang: str) -> str:
    if lang == "zh":
        return "尚缺信息：" + "、".join(FACTS[n].label.zh for n in missing)
    return "Missing information: " + ", ".join(FACTS[n].label.en for n in missing)


# --- missing facts --------------------------------------------------------------------------------


_ORDERED: dict[frozenset[str], tuple[str, ...]] = {}


def ordered_facts(names: frozenset[str]) -> list[str]:
    """Entered facts behind ``names`` in vocabulary order (memoised: few distinct sets occur)."""
    hit = _ORDERED.get(names)
    if hit is None:
        hit = tuple(sorted({b for n in names for b in base_facts(n)}, key=FACT_ORDER.__getitem__))
        if len(_ORDERED) < 4096:
            _ORDERED[names] = hit
    return list(hit)


def _relevant_unknown(
    node: TreeNode, values: Sequence[Any], depth: int, found: dict[int, int]
) -> None:
    if combine(node, values) is not UNKNOWN:
        return
    if node.op == "leaf":
        found.setdefault(node.leaf, depth)
        return
    for child in node.children:
        _relevant_unknown(child, values, depth + 1, found)


def missing_facts(ev: Evaluation, outputs_unknown: Sequence[str]) -> list[str]:
    policy = ev.policy
    ranked: dict[str, list[int]] = {}
    if ev.outcome is UNKNOWN:
        depth_of: dict[int, int] = {}
        _relevant_unknown(policy.tree, ev.values, 0, depth_of)
        for index, depth in depth_of.items():
            forced = list(ev.values)
            forced[index] = False
            veto = combine(policy.tree, forced) is False
            forced[index] = True
            clincher = combine(policy.tree, forced) is True
            known = ev.ctx.facts
            unknown = {b for n in ev.touched[index] for b in base_facts(n) if b not in known}
            for name in unknown:
                score = ranked.setdefault(name, [0, 0, 0, 99])
                score[0] -= veto
                score[1] -= clincher
                score[2] -= 1
                score[3] = min(score[3], depth)
    ordered = sorted(ranked, key=lambda n: (*ranked[n], FACT_ORDER[n]))
    extra: set[str] = set()
    for name in outputs_unknown:
        hit = ev.ctx.memo.get("calc." + name)
        if hit is not None:
            extra |= hit[1]
    return ordered + [n for n in ordered_facts(frozenset(extra)) if n not in ranked]


# --- requirements in words (policy library) -----------------------------------------------------

_OP_WORDS: Mapping[str, Text] = {
    "<": Text(zh="小于", en="less than"),
    "<=": Text(zh="不超过", en="at most"),
    ">": Text(zh="大于", en="more than"),
    ">=": Text(zh="不少于", en="at least"),
    "==": Text(zh="为", en="is"),
    "!=": Text(zh="不为", en="is not"),
    "in": Text(zh="为以下之一：", en="is one of"),
    "includes": Text(zh="包括", en="includes"),
    "includes_any": Text(zh="包括以下之一：", en="includes one of"),
}


def requirement_texts(policy: CompiledPolicy, day: date, lang: str) -> dict[str, str]:
    """Each atomic condition's requirement in words with the parameter values on ``day``
    (``Months since return less than 12 months``); conditions of no recognised shape are left
    out and shown by their clause and expression only."""
    ev = policy.run({}, day)
    views = _views(policy)
    out: dict[str, str] = {}
    for leaf in policy.leaves:
        _, required, fact = actual_required(ev, leaf)
        op, value = required["op"], required["value"]
        words = _OP_WORDS.get(op)
        if words is None:
            continue
        subject = views[leaf.index].subject
        if fact is not None:
            label = FACTS[fact].label.get(lang)
            unit = FACTS[fact].unit
        elif isinstance(subject, cel.Calc) and subject.name in policy.spec.formulas:
            formula = policy.spec.formulas[subject.name]
            label, unit = formula.label.get(lang), formula.unit
        else:
            continue
        shown = format_value(value, lang, fact)
        if isinstance(value, bool):
            out[leaf.atomic.id] = f"{label}：{shown}" if lang == "zh" else f"{label}: {shown}"
            continue
        if unit is not None and not isinstance(value, list | str):
            shown = f"{shown}{unit.zh}" if lang == "zh" else f"{shown} {unit.en}"
        sep = "" if lang == "zh" else " "
        out[leaf.atomic.id] = f"{label}{sep}{words.get(lang)}{sep}{shown}"
    return out
