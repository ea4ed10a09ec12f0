"""人才落户 route finding: which settlement route applies to the applicant and why the others do
not, from the four municipal settlement policies (issue 6, first part)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.errors import ValidationFailed
from app.rules import DecisionStatus, load_library
from app.services.eligibility import as_of_error, checked_facts, today

# Preference when several routes are open: the one with the fewest conditions left to prove
# first (talent introduction and returnee settlement are decided on documents; the points and
# years routes need longer records).
SETTLEMENT_POLICIES: tuple[str, ...] = (
    "shanghai.talent_introduction",
    "shanghai.returnee_settlement",
    "shanghai.graduate_settlement",
    "shanghai.residence_to_hukou",
)


@dataclass
class RouteFinding:
    as_of: date
    recommended: str | None  # policy id of the route to take, if any is open
    routes: list[dict[str, Any]]  # every route's full explained result, in preference order
    missing_facts: list[str]  # facts that could still open or close a route, most decisive first


def find_routes(facts: Mapping[str, Any], lang: str, as_of: date | None = None) -> RouteFinding:
    when = as_of or today()
    date_error = as_of_error(when)
    if date_error is not None:
        raise ValidationFailed(field_errors=[date_error])
    checked_facts(facts, when)
    results = {
        r.policy_id: r.model_dump(mode="json")
        for r in load_library().evaluate(
            facts, when, policy_ids=list(SETTLEMENT_POLICIES), lang=lang
        )
    }
    routes = [results[p] for p in SETTLEMENT_POLICIES if p in results]
    recommended = next(
        (r["policy_id"] for r in routes if r["status"] == DecisionStatus.ELIGIBLE), None
    )
    score: dict[str, float] = {}
    for r in routes:
        if r["status"] == DecisionStatus.UNKNOWN:
            for rank, name in enumerate(r["missing_facts"]):
                score[name] = score.get(name, 0.0) + 1.0 / (1 + rank)
    missing = [n for n, _ in sorted(score.items(), key=lambda kv: -kv[1])]
    return RouteFinding(as_of=when, recommended=recommended, routes=routes, missing_facts=missing)
