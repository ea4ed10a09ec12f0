"""The onboarding bundle's first step: the work-permit pre-check.

The class comes from the national points rule (``national.foreign_work_permit``): its class
output when eligible (A or B); a foreign national meeting neither is class C, which the rule
leaves to the national system (its quotas). A class C result is explained: what the class
means and what would reach class B, from the rule's own hints (each verified by re-evaluating
the policy), so the person reads changes that would really work, not a generic list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.errors import PermissionDenied
from app.i18n import N_, gettext
from app.rules import DecisionStatus, load_library
from app.workflow.onboarding import (
    CITIZEN_REFUSAL,
    CLASS_B_ROUTES,
    CLASS_MEANINGS,
    WORK_PERMIT_POLICY,
    PermitClass,
    is_citizen,
    permit_class,
)

# Conditions of the rule that make class B (the hints that would reach B name one of them).
_CLASS_B_CONDITIONS = frozenset({"b_age_limit", "b_degree_experience", "b_salary", "b_points"})

TO_REACH_B = N_("To reach class B you need, at age 60 or under, any one of:")
CHANGES_FOR_B = N_("Changes that would make you class B:")


class NotForCitizens(PermissionDenied):
    """A PRC citizen (or a Hong Kong, Macao or Taiwan resident) cannot start the bundle."""

    code = "onboarding_not_for_citizens"
    default_detail = CITIZEN_REFUSAL


def check_may_start(nationality: str | None) -> None:
    if is_citizen(nationality):
        raise NotForCitizens()


@dataclass(frozen=True, slots=True)
class Precheck:
    """The pre-check's answer in one language."""

    permit_class: PermitClass | None  # None while the form still misses facts
    points: int | None
    meaning: str | None
    reasons: list[str]  # the rule's criteria, each as it held or failed for this person
    missing_facts: list[str]
    # Class C only: the standard's class B criteria, and the changes the rule verified.
    to_reach_b: list[str] = field(default_factory=list)
    changes_for_b: list[str] = field(default_factory=list)
    receipt: dict[str, Any] = field(default_factory=dict)


def run(facts: Mapping[str, Any], as_of: date, lang: str) -> Precheck:
    """The pre-check of a person's facts (answers and verified facts together). Refuses a PRC
    citizen or a resident of Hong Kong, Macao or Taiwan (``NotForCitizens``) before the
    rule is asked: the bundle is not theirs, whatever their points."""
    check_may_start(facts.get("nationality"))
    result = load_library().evaluate(facts, as_of, policy_ids=[WORK_PERMIT_POLICY], lang=lang)[0]
    klass = permit_class(result.status, result.outputs.get("class"))
    reasons = [c.message for c in result.criteria if c.message]
    out = Precheck(
        permit_class=klass,
        points=result.outputs.get("points"),
        meaning=gettext(lang, CLASS_MEANINGS[klass]) if klass is not None else None,
        reasons=reasons,
        missing_facts=list(result.missing_facts),
        receipt=result.receipt.model_dump(mode="json"),
    )
    if klass is not PermitClass.C:
        return out
    changes = [
        h.message
        for h in result.hints
        if DecisionStatus(h.result_status) is DecisionStatus.ELIGIBLE
        and (h.condition_id in _CLASS_B_CONDITIONS or h.condition_id is None)
    ]
    out.to_reach_b.extend(gettext(lang, r) for r in CLASS_B_ROUTES)
    out.changes_for_b.extend(changes)
    return out
