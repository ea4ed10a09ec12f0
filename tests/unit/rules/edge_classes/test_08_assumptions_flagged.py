"""Class 8: assumptions not flagged. Every value is sourced (and checkable) or marked assumed,
no condition is an assumption only in its clause's words, no number hides in an expression, and
the conditions the review named carry their assumed parameters in ``criteria[].assumed``."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

import pytest

from app.rules import load_library
from app.rules.audit import ASSUMPTION_KINDS, Problem, audit_library, by_kind
from tests.unit.rules.edge_classes import check_class, policies_tagged

AS_OF = date(2026, 11, 22)
# From this day the programme conditions read the district talent register (versions 2026-12-07).
REGISTER_DAY = date(2026, 12, 7)

# A typical applicant of each policy the review named, and the facts of the conditions that are
# assumptions there: each condition reading one of them must name its assumed parameters.
EXAMPLES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "changning.rent_subsidy": (
        {
            "employer_district": "changning",
            "social_insurance_months_in_district": 10,
            "owns_home_in_shanghai": False,
            "has_other_housing_benefit": False,
            "highest_degree": "master",
        },
        # bachelor's or higher, 6 months insured in Changning, no home in Shanghai
        ("highest_degree", "social_insurance_months_in_district", "owns_home_in_shanghai"),
    ),
    "yangpu.rent_subsidy": (
        {
            "employer_district": "yangpu",
            "owns_home_in_shanghai": False,
            "has_other_housing_benefit": False,
            "talent_programs": ["district_outstanding"],
            "social_insurance_base_multiple": 1.2,
            "highest_degree": "master",
            "graduation_date": "2026-06-30",
            "monthly_rent_cny": 3000,
        },
        # the employer in Yangpu; the list of high-level programmes
        ("employer_district", "talent_programs"),
    ),
    "yangpu.service_card": (
        {
            "employer_district": "yangpu",
            "talent_programs": [],
            "professional_title": "senior",
        },
        # the senior title as high-level talent
        ("professional_title",),
    ),
}

# The same check on the versions that read verified memberships: the assumed programme list now
# sits on the register's reading.
REGISTER_EXAMPLES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "yangpu.rent_subsidy": (
        {
            **EXAMPLES["yangpu.rent_subsidy"][0],
            "verified_talent_programs": ["district_outstanding"],
        },
        ("employer_district", "verified_talent_programs"),
    ),
    "yangpu.service_card": (
        {**EXAMPLES["yangpu.service_card"][0], "verified_talent_programs": []},
        ("professional_title", "verified_talent_programs"),
    ),
}


@cache
def _problems() -> list[Problem]:
    return by_kind(audit_library(load_library()), ASSUMPTION_KINDS)


def _unflagged(
    policy_id: str,
    as_of: date = AS_OF,
    examples: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = EXAMPLES,
) -> list[str]:
    """Conditions reading an example's assumed facts whose criterion names no assumption."""
    facts, assumed_facts = examples[policy_id]
    library = load_library()
    version = library.version_at(policy_id, as_of)
    assert version is not None
    reads = {leaf.atomic.id: leaf.facts for leaf in version.leaves}
    result = library.evaluate(facts, as_of, policy_ids=[policy_id], lang="en")[0]
    wanted = [c for c in result.criteria if reads[c.id] & set(assumed_facts)]
    assert {f for c in wanted for f in reads[c.id]} >= set(assumed_facts), "a condition is gone"
    return [c.id for c in wanted if not c.assumed]


@pytest.mark.parametrize(
    "policy_id", sorted(set(load_library().policy_ids()) | policies_tagged("assumptions_flagged"))
)
def test_assumptions_flagged(policy_id: str) -> None:
    check_class("assumptions_flagged", policy_id, frozenset())
    problems = [p.line for p in _problems() if p.policy_id == policy_id]
    unflagged = _unflagged(policy_id) if policy_id in EXAMPLES else []
    if policy_id in REGISTER_EXAMPLES:
        unflagged += _unflagged(policy_id, REGISTER_DAY, REGISTER_EXAMPLES)
    assert (problems, unflagged) == ([], [])
