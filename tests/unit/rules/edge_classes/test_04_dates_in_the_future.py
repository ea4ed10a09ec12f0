"""Class 4: a date after ``as_of`` is refused naming the fact, unless by nature in the future.

A certificate dated next month used to count as "0 months ago" and qualify; a return date next
year qualified for returnee support. Only a contract's end and an expected graduation (the youth
station admits people before they graduate) may lie ahead.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.rules import FACTS, FactsValidationError, load_library
from app.rules.facts import base_facts
from tests.unit.rules.edge_classes import check_class, policies_tagged

AS_OF = date(2026, 11, 22)
FUTURE_ALLOWED = frozenset({"contract_end_date", "graduation_date"})
DATE_FACTS = sorted(name for name, spec in FACTS.items() if spec.type == "date")


def _readers(fact: str) -> list[str]:
    """The policies in force at ``AS_OF`` that read the fact (itself or a fact derived from it)."""
    return sorted(
        policy.policy_id
        for policy in load_library().select(AS_OF)
        if any(fact in base_facts(name) for name in policy.facts_used)
    )


CASES = [(fact, policy_id) for fact in DATE_FACTS for policy_id in _readers(fact)]


def test_the_vocabulary_marks_exactly_the_dates_that_may_be_future() -> None:
    assert {n for n in DATE_FACTS if FACTS[n].future == "allowed"} == FUTURE_ALLOWED
    assert {fact for fact, _ in CASES} == set(DATE_FACTS), "every date fact is read by a policy"


@pytest.mark.parametrize(("fact", "policy_id"), CASES)
def test_dates_in_the_future(fact: str, policy_id: str) -> None:
    library = load_library()
    tomorrow = (AS_OF + timedelta(days=1)).isoformat()
    # The day itself is never in the future.
    library.evaluate({fact: AS_OF.isoformat()}, AS_OF, [policy_id])
    if fact in FUTURE_ALLOWED:
        [result] = library.evaluate({fact: tomorrow}, AS_OF, [policy_id])
        assert result.policy_id == policy_id
    else:
        with pytest.raises(FactsValidationError) as raised:
            library.evaluate({fact: tomorrow}, AS_OF, [policy_id])
        [error] = raised.value.errors
        assert (error.code, error.field) == ("future_date", fact)
        label = FACTS[fact].label
        assert label.zh in error.message.zh and label.en in error.message.en
        assert tomorrow in error.message.en and AS_OF.isoformat() in error.message.zh
        # Evaluated later, the same date is in the past and accepted.
        library.evaluate({fact: tomorrow}, AS_OF + timedelta(days=1), [policy_id])
    if policy_id in policies_tagged("dates_in_the_future"):
        check_class("dates_in_the_future", policy_id, frozenset())


def test_a_future_certificate_and_return_no_longer_qualify() -> None:
    """The issue's examples, with everything else qualifying."""
    library = load_library()
    next_month = (AS_OF + timedelta(days=31)).isoformat()
    for fact, policy_id in (
        ("certificate_date", "shanghai.skills_subsidy"),
        ("return_date", "changning.returnee_apartment_subsidy"),
    ):
        with pytest.raises(FactsValidationError):
            library.evaluate({fact: next_month}, AS_OF, [policy_id])


def test_an_expected_graduation_is_evaluated_by_the_youth_station() -> None:
    in_three_months = (AS_OF + timedelta(days=92)).isoformat()
    [result] = load_library().evaluate(
        {"graduation_date": in_three_months}, AS_OF, ["shanghai.youth_station"]
    )
    statuses = {c.id: c.result for c in result.criteria}
    assert statuses["graduating_this_year"] == "true"
    assert result.status == "unknown"  # waiting only for the facts not given
