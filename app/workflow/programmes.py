"""Programme rounds, pure: statuses, the scoring sheet's arithmetic, the ranking and its tie
rules, and how a proposed name is masked on the public notice.

Tie rules (docs/programmes.md): nominations are ranked by their total (the mean of the
submitted reviewers' weighted totals), higher first; equal totals are split by the mean score on
the sheet's heaviest criterion (the first of them when weights are equal), then by the lower
spread between the reviewers' totals (a consistent verdict before a divided one), then by the
earlier filing. Each nomination gets its own rank; the committee sees which ones were split by
a tie rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any


class RoundStatus(StrEnum):
    OPEN = "open"  # nominations filed within the window, reviewers scoring
    DECIDED = "decided"  # the committee chose the proposed names
    NOTICE = "notice"  # 公示: the proposed names stand in the public notice
    AWARDED = "awarded"


class NominationStatus(StrEnum):
    IN_REVIEW = "in_review"
    PROPOSED = "proposed"
    NOT_SELECTED = "not_selected"
    WITHDRAWN_BY_OBJECTION = "withdrawn_by_objection"
    AWARDED = "awarded"


class ObjectionStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


WEIGHT_TOTAL = 100
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Criterion:
    code: str
    name_zh: str
    name_en: str
    weight: int  # share of the total, the weights summing to 100
    max: int  # the most points a reviewer gives on it


def sheet(raw: Sequence[Mapping[str, Any]]) -> list[Criterion]:
    return [
        Criterion(
            str(c["code"]), str(c["name_zh"]), str(c["name_en"]), int(c["weight"]), int(c["max"])
        )
        for c in raw
    ]


def sheet_problems(criteria: Sequence[Criterion]) -> list[str]:
    """What makes a scoring sheet unusable (empty when it is fine)."""
    problems = []
    if not criteria:
        problems.append("empty")
    if len({c.code for c in criteria}) != len(criteria):
        problems.append("duplicate_code")
    if any(c.weight <= 0 or c.max <= 0 for c in criteria):
        problems.append("non_positive")
    if criteria and sum(c.weight for c in criteria) != WEIGHT_TOTAL:
        problems.append("weights")
    return problems


def score_problems(
    criteria: Sequence[Criterion], scores: Mapping[str, Any], final: bool
) -> dict[str, str]:
    """Per criterion, why a reviewer's points cannot be taken: out of range, not a whole
    number, unknown, or (for a submitted score) missing."""
    known = {c.code: c for c in criteria}
    problems = {code: "unknown" for code in scores if code not in known}
    for c in criteria:
        value = scores.get(c.code)
        if value is None or value == "":
            if final:
                problems[c.code] = "missing"
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            problems[c.code] = "not_whole"
        elif not 0 <= value <= c.max:
            problems[c.code] = "range"
    return problems


def weighted_total(criteria: Sequence[Criterion], scores: Mapping[str, int]) -> Decimal:
    """Out of 100: each criterion's share of its weight."""
    total = sum(
        (Decimal(scores[c.code]) / Decimal(c.max) * Decimal(c.weight) for c in criteria),
        Decimal(0),
    )
    return total.quantize(_CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Scored:
    nomination_id: str
    filed_at: datetime
    totals: tuple[Decimal, ...]  # each submitted reviewer's weighted total
    heaviest: tuple[int, ...]  # each submitted reviewer's points on the heaviest criterion


@dataclass(frozen=True)
class Ranked:
    nomination_id: str
    rank: int
    total: Decimal
    tie_rule: str | None  # which tie rule put it after the one above, if any


def heaviest(criteria: Sequence[Criterion]) -> Criterion:
    return max(criteria, key=lambda c: c.weight)  # max keeps the first of equals


def _mean(values: Sequence[Decimal | int]) -> Decimal:
    return (sum((Decimal(v) for v in values), Decimal(0)) / len(values)).quantize(
        _CENT, ROUND_HALF_UP
    )


def _key(item: Scored) -> tuple[Decimal, Decimal, Decimal, datetime]:
    spread = max(item.totals) - min(item.totals)
    return (-_mean(item.totals), -_mean(item.heaviest), spread, item.filed_at)


_TIE_RULES = ("heaviest_criterion", "spread", "filed_earlier")


def rank(items: Sequence[Scored]) -> list[Ranked]:
    """Nominations with at least one submitted score, ranked by the tie rules above."""
    ordered = sorted((i for i in items if i.totals), key=_key)
    out: list[Ranked] = []
    for position, item in enumerate(ordered, start=1):
        rule = None
        if position > 1:
            above = _key(ordered[position - 2])
            here = _key(item)
            if above[0] == here[0]:
                rule = next(
                    (
                        name
                        for name, a, b in zip(_TIE_RULES, above[1:], here[1:], strict=True)
                        if a != b
                    ),
                    _TIE_RULES[-1],
                )
        out.append(Ranked(item.nomination_id, position, _mean(item.totals), rule))
    return out


def mask_name(name: str) -> str:
    """The public notice's form of a proposed name: the family name and, for names of three or
    more characters, the last one; the rest starred (张*明, 李*). Latin names keep the first
    letter of each part."""
    name = name.strip()
    if not name:
        return name
    if " " in name:
        return " ".join(part[0] + "*" * (len(part) - 1) for part in name.split())
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
