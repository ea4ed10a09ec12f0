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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from babel import Locale

from app.rules import cel
from app.rules.compiled import CompiledPolicy, Evaluation, Leaf, Template, TreeNode, combine
from app.rules.facts import (
    FACT_ORDER,
    FACTS,
    INT_LABELS,
    VALUE_LABELS,
    Text,
    base_facts,
    to_json_value,
)
from app.rules.results import ClauseRef, Criterion, Result
from app.rules.scalar import UNKNOWN
from app.rules.schema import Formula
from app.rules.shapes import Comparison, Flag, Includes, Membership

DISTRICT_NAMES: Mapping[str, Text] = {
    "yangpu": Text(zh="杨浦区", en="Yangpu"),
    "changning": Text(zh="长宁区", en="Changning"),
    "shanghai": Text(zh="本市", en="Shanghai"),
    "national": Text(zh="全国", en="China"),
}


# --- values in messages ---------------------------------------------------------------------------

# Hong Kong, Macao and Taiwan are regions of China: named so in both languages, whatever the
# locale data calls them.
_REGIONS: Mapping[str, Text] = {
    "HK": Text(zh="中国香港", en="Hong Kong, China"),
    "MO": Text(zh="中国澳门", en="Macao, China"),
    "TW": Text(zh="中国台湾", en="Taiwan, China"),
}


@cache
def _territories(lang: str) -> Mapping[str, str]:
    # Read on first use: the locale data costs tens of milliseconds the cold start need not pay.
    names: Mapping[str, str] = Locale.parse("zh_Hans_CN" if lang == "zh" else "en").territories
    return names


@cache
def country_choices(lang: str) -> tuple[tuple[str, str], ...]:
    """(code, name) for a country question: China and its regions first, then every country by
    name: the ISO 3166-1 countries (``app.rules.countries``; a unit test keeps the two equal).
    CLDR's groupings (001, EU, UN...) and its codes outside ISO 3166-1 (XK, user-assigned;
    AC, CP, CQ, DG, EA, IC, TA, reserved) are left out."""
    first = ("CN", "HK", "MO", "TW")
    others = sorted(
        (code for code in _territories(lang) if len(code) == 2 and code.isalpha()),
        key=lambda code: country_name(code, lang),
    )
    skip = {*first, "EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "XK"}
    skip |= {"AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
    return tuple(
        (code, country_name(code, lang))
        for code in (*first, *others)
        if code in first or code not in skip
    )


def country_name(code: str, lang: str) -> str:
    """A country or region by name (``GB`` -> 英国 / United Kingdom); an unknown code as is."""
    region = _REGIONS.get(code)
    if region is not None:
        return region.get(lang)
    return _territories(lang).get(code, code)


def format_number(value: float, lang: str) -> str:
    """Thousands separators from 10,000 on (four-digit amounts stay as official texts write
    them); a whole double without its ``.0``; at most two decimals."""
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:.2f}".rstrip("0")
        whole, _, fraction = text.partition(".")
        return (f"{int(whole):,}" if abs(value) >= 10_000 else whole) + "." + fraction
    number = int(value)
    return f"{number:,}" if abs(number) >= 10_000 else str(number)


def format_value(value: Any, lang: str, fact: str | None = None) -> str:
    kind = type(value)
    if kind is int:
        numbered = INT_LABELS.get(fact or "")
        named = numbered.get(value) if numbered else None
        return named.get(lang) if named is not None else format_number(value, lang)
    if kind is str:
        spec = FACTS.get(fact or "")
        if spec is not None and spec.type == "country":
            return country_name(value, lang)
        labels = VALUE_LABELS.get(fact or "")
        text = labels.get(value) if labels else None
        return text.get(lang) if text is not None else str(value)
    if value is UNKNOWN or value is None:
        return "未知" if lang == "zh" else "unknown"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, float):
        if value.is_integer() and fact in INT_LABELS:
            return format_value(int(value), lang, fact)
        return format_number(value, lang)
    if isinstance(value, list | tuple):
        separator = "、" if lang == "zh" else ", "
        return separator.join(format_value(v, lang, fact) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        # Several facts behind one condition: each by its label and value, never as JSON.
        if len(value) == 1:
            ((name, only),) = value.items()
            return format_value(only, lang, name if name in FACTS else None)
        return ("；" if lang == "zh" else "; ").join(
            f"{_label(name, lang)}{'：' if lang == 'zh' else ': '}"
            f"{format_value(item, lang, name if name in FACTS else None)}"
            for name, item in value.items()
        )
    return str(value)


def output_lines(
    policy: CompiledPolicy, outputs: Mapping[str, Any], lang: str
) -> list[tuple[str, str]]:
    """Each output with a value as (label, text): codes by their names, numbers with their
    unit and separators, a breakdown item by item. What a result page shows instead of keys."""
    lines = []
    for name, value in outputs.items():
        spec = policy.spec.formulas.get(name)
        if value is None or spec is None:
            continue
        lines.append((spec.label.get(lang), _output_text(spec, value, lang)))
    return lines


def _output_text(spec: Formula, value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return ("；" if lang == "zh" else "; ").join(
            f"{_named(spec, key, lang)}{'：' if lang == 'zh' else ': '}"
            f"{_output_text(spec, item, lang)}"
            for key, item in value.items()
        )
    if isinstance(value, list | tuple):
        return ("、" if lang == "zh" else ", ").join(_output_text(spec, v, lang) for v in value)
    if isinstance(value, str):
        return _named(spec, value, lang)
    text = format_value(value, lang)
    if spec.unit is None or isinstance(value, bool):
        return text
    unit = spec.unit.get(lang)
    return f"{text}{unit}" if lang == "zh" else f"{text} {unit}"


def _named(spec: Formula, code: str, lang: str) -> str:
    label = spec.values.get(code)
    return label.get(lang) if label is not None else code


def _label(name: str, lang: str) -> str:
    spec = FACTS.get(name)
    return spec.label.get(lang) if spec is not None else name


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
            message = render_message(ev, leaf, bool(value), lang, actual, required, fact)
            if not value:
                message += unverified_note(ev, views[leaf.index].facts, required, lang)
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


def unverified_note(
    ev: Evaluation, names: Sequence[str], required: Mapping[str, Any], lang: str
) -> str:
    """For a failed condition on a verified fact, the applicant's declared values that would
    count but are not verified, and what verifies them ("declared, not verified")."""
    for name in names:
        spec = FACTS[name]
        if spec.verifies is None or spec.verification is None:
            continue
        declared = ev.facts.get(spec.verifies, UNKNOWN)
        if declared is UNKNOWN or not isinstance(declared, tuple | list):
            continue
        verified = ev.facts.get(name, UNKNOWN)
        have = set(verified) if isinstance(verified, tuple | list) else set()
        wanted = required.get("value") if required.get("op") in _LIST_OPS else None
        counting = set(wanted) if isinstance(wanted, list) else {wanted} if wanted else None
        unverified = [v for v in declared if v not in have and (counting is None or v in counting)]
        if not unverified:
            continue
        shown = format_value(unverified, lang, spec.verifies)
        how = spec.verification.get(lang)
        if lang == "zh":
            return f"。申报的{shown}未经核验（已申报，未核验）：须有{how}"
        return f". Declared, not verified: {shown}; this needs {how}"
    return ""


_LIST_OPS = frozenset({"includes", "includes_any"})


def render_message(
    ev: Evaluation,
    leaf: Leaf,
    passed: bool,
    lang: str,
    actual: Any,
    required: Mapping[str, Any],
    fact: str | None,
) -> str:
    """The condition's pass or fail message with the applicant's values filled in."""
    template = leaf.templates[(passed, lang)]
    ahead = _negative_duration(ev, template, fact)
    if ahead is not None:
        return _ahead_message(*ahead, passed, lang)
    return _render(ev, template, lang, actual, required, fact)


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
    text = "".join(out)
    # Templates may open with a value ("{actual}: non-Shanghai origin"); a sentence still
    # starts with a capital.
    return text[:1].upper() + text[1:] if lang == "en" and text[:1].islower() else text


# A duration measured from a date reads backwards when the date is still ahead (graduation
# expected in 3 months is -3 months since graduation) and a contract that has ended has negative
# months left: such a value is said in words, never as a negative number.
_AHEAD: Mapping[str, Text] = {
    "months_since_graduation": Text(zh="距毕业还有{n}个月", en="graduation is {n} months away"),
    "months_since_return": Text(
        zh="回国日期在{n}个月之后", en="the return date is {n} months away"
    ),
    "months_since_certificate": Text(
        zh="证书日期在{n}个月之后", en="the certificate date is {n} months away"
    ),
    "employment_months": Text(zh="{n}个月后才入职", en="the job starts in {n} months"),
    "contract_months_remaining": Text(
        zh="劳动合同已于{n}个月前到期", en="the labour contract ended {n} months ago"
    ),
}


def _negative_duration(
    ev: Evaluation, template: Template, subject: str | None
) -> tuple[str, float] | None:
    for _, field in template:
        name = subject if field in ("actual", "required") else field
        if name is not None and name in _AHEAD:
            value = ev.facts.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                return name, float(-value)
    return None


def _ahead_message(fact: str, months: float, passed: bool, lang: str) -> str:
    phrase = _AHEAD[fact].get(lang).replace("{n}", format_number(months, lang))
    if lang == "zh":
        return phrase + ("，符合此项条件" if passed else "，不符合此项条件")
    return (
        phrase[:1].upper() + phrase[1:] + (": condition met" if passed else ": condition not met")
    )


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
        before = _before_the_event(fact, op, value, lang)
        if before is not None:
            out[leaf.atomic.id] = before
            continue
        if unit is not None and not isinstance(value, list | str):
            shown = f"{shown}{unit.zh}" if lang == "zh" else f"{shown} {unit.en}"
        sep = "" if lang == "zh" else " "
        out[leaf.atomic.id] = f"{label}{sep}{words.get(lang)}{sep}{shown}"
    return out


def _before_the_event(fact: str | None, op: str, value: Any, lang: str) -> str | None:
    """Months since graduation "at least -12" in words: at most 12 months before graduation."""
    spec = FACTS.get(fact or "")
    if spec is None or spec.derivation != "since" or op not in (">=", ">"):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value >= 0:
        return None
    event = FACTS[spec.derived_from or ""].label.get(lang)
    amount = format_value(-value, lang)
    unit = spec.unit.get(lang) if spec.unit is not None else ""
    if lang == "zh":
        return f"距{event}{'不超过' if op == '>=' else '少于'}{amount}{unit}"
    return f"{'at most' if op == '>=' else 'less than'} {amount} {unit} before the {event}"
