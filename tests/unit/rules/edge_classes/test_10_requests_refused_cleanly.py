"""Class 10: requests the engine cannot answer are refused with a typed error naming the problem.

An ``as_of`` in 9999 used to crash the eligible-from search, a 401-digit salary overflowed
``float()``, a named policy outside the ``district`` filter silently vanished from the results,
and contradictory facts were decided as if both were true.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from app.rules import (
    FACTS,
    SUPPORTED_FROM,
    SUPPORTED_TO,
    AsOfOutOfRangeError,
    BatchValidationError,
    FactsValidationError,
    PolicyNotInDistrictError,
    load_library,
)
from app.rules.hints import HORIZON_MONTHS
from app.rules.samples import renting_returnee
from app.rules.timeutil import add_months
from tests.unit.rules.edge_classes import check_class, policies_tagged

AS_OF = date(2026, 11, 22)
HUGE = 10**400 + 1  # 401 digits: JSON parses it into an int no float can hold


def _waiting_returnee() -> dict[str, Any]:
    """Ineligible today but eligible by waiting: the case the eligible-from search runs for."""
    return {**renting_returnee(), "social_insurance_months_in_district": 1}


def _as_of(day: date) -> Callable[[], object]:
    return lambda: load_library().evaluate(_waiting_returnee(), day)


def _facts(facts: dict[str, Any], policy: str | None = None) -> Callable[[], object]:
    return lambda: load_library().evaluate(facts, AS_OF, [policy] if policy else None)


# (case id, call, expected error type, fields the error must name)
CASES: list[tuple[str, Callable[[], object], type[Exception], set[str]]] = [
    ("as_of_9999", _as_of(date(9999, 12, 31)), AsOfOutOfRangeError, {"as_of"}),
    ("as_of_1900", _as_of(date(1900, 1, 1)), AsOfOutOfRangeError, {"as_of"}),
    ("as_of_day_before_range", _as_of(date(1949, 12, 31)), AsOfOutOfRangeError, {"as_of"}),
    ("as_of_day_after_range", _as_of(date(2101, 1, 1)), AsOfOutOfRangeError, {"as_of"}),
    *(
        (f"huge_{name}", _facts({name: sign * HUGE}), FactsValidationError, {name})
        for name, spec in FACTS.items()
        if spec.type in ("int", "number") and not spec.derived
        for sign in (1, -1)
    ),
    (
        "insured_longer_than_permit",
        _facts(
            {"residence_permit_years": 3, "residence_permit_social_insurance_years": 4},
            "shanghai.residence_to_hukou",
        ),
        FactsValidationError,
        {"residence_permit_years", "residence_permit_social_insurance_years"},
    ),
    (
        "district_months_beyond_shanghai_months",
        _facts({"social_insurance_months": 6, "social_insurance_months_in_district": 12}),
        FactsValidationError,
        {"social_insurance_months", "social_insurance_months_in_district"},
    ),
    *(
        (
            f"nationality_{nationality}_with_{hukou}_hukou",
            _facts({"nationality": nationality, "hukou": hukou}, "shanghai.talent_introduction"),
            FactsValidationError,
            {"nationality", "hukou"},
        )
        for nationality in ("GB", "hk", "TW")
        for hukou in ("shanghai", "other")
    ),
    (
        "contract_ends_before_the_job_began",
        _facts({"employment_start_date": "2025-03-01", "contract_end_date": "2025-02-28"}),
        FactsValidationError,
        {"employment_start_date", "contract_end_date"},
    ),
    *(
        (
            f"{later}_before_birth",
            _facts({"birth_date": "1995-06-01", later: "1995-05-31"}),
            FactsValidationError,
            {"birth_date", later},
        )
        for later in ("graduation_date", "return_date", "employment_start_date", "certificate_date")
    ),
]


def _fields(error: Exception) -> set[str]:
    if isinstance(error, AsOfOutOfRangeError):
        return {error.field}
    assert isinstance(error, FactsValidationError)
    return {e.field for e in error.errors}


@pytest.mark.parametrize(
    ("call", "expected", "fields"),
    [pytest.param(call, expected, fields, id=case) for case, call, expected, fields in CASES],
)
def test_requests_refused_cleanly(
    call: Callable[[], object], expected: type[Exception], fields: set[str]
) -> None:
    with pytest.raises(expected) as raised:
        call()
    assert _fields(raised.value) == fields
    if isinstance(raised.value, AsOfOutOfRangeError):
        message = raised.value.message
        assert SUPPORTED_FROM.isoformat() in message.zh and SUPPORTED_TO.isoformat() in message.en
    else:
        assert isinstance(raised.value, FactsValidationError)
        for error in raised.value.errors:
            assert error.message.zh and error.message.en
            assert "…" in error.message.en or "e+" not in error.message.en  # no 1e+400 printed
            if error.code == "contradiction":
                # Each error names both facts, in both languages.
                for name in fields:
                    assert FACTS[name].label.zh in error.message.zh
                    assert FACTS[name].label.en in error.message.en
    for policy_id in sorted(policies_tagged("requests_refused_cleanly")):
        check_class("requests_refused_cleanly", policy_id, frozenset())


def test_the_edges_of_the_supported_range_are_evaluated() -> None:
    library = load_library()
    assert library.evaluate({"hukou": "other"}, SUPPORTED_FROM) == []  # nothing in force yet
    results = library.evaluate(_waiting_returnee(), SUPPORTED_TO)
    assert results
    # The eligible-from search looks ten years past the last as_of: still a computable date.
    assert add_months(SUPPORTED_TO, HORIZON_MONTHS) < date(2200, 1, 1)


def test_equal_and_ordered_facts_are_accepted() -> None:
    load_library().evaluate(
        {
            "residence_permit_years": 4,
            "residence_permit_social_insurance_years": 4,
            "social_insurance_months": 12,
            "social_insurance_months_in_district": 12,
            "employment_start_date": "2025-03-01",
            "contract_end_date": "2025-03-01",
            "birth_date": "1995-06-01",
            "graduation_date": "1995-06-01",
            "nationality": "CN",
            "hukou": "none",  # a PRC citizen who gave up the hukou abroad
        },
        AS_OF,
    )
    load_library().evaluate({"nationality": "HK", "hukou": "none"}, AS_OF)


def test_a_named_policy_outside_the_district_is_refused_naming_it() -> None:
    library = load_library()
    with pytest.raises(PolicyNotInDistrictError) as raised:
        library.evaluate({}, AS_OF, ["changning.rent_subsidy", "yangpu.rent_subsidy"], "yangpu")
    assert raised.value.policy_id == "changning.rent_subsidy"
    assert "changning.rent_subsidy" in str(raised.value)
    # City-wide and national policies belong to every district.
    shared = ["shanghai.youth_station", "national.foreign_work_permit", "yangpu.rent_subsidy"]
    assert len(library.evaluate({}, AS_OF, shared, "yangpu")) == 3


def test_the_batch_path_refuses_the_same_profiles() -> None:
    library = load_library()
    good = renting_returnee()
    bad = [
        {**good, "nationality": "FR", "hukou": "other"},
        {**good, "birth_date": "2027-01-01"},
        {**good, "annual_salary_cny": HUGE},
        {**good, "degree_country": "xk"},
        {"residence_permit_years": 1.5, "residence_permit_social_insurance_years": 2.0},
    ]
    for profile in bad:
        with pytest.raises(FactsValidationError) as single:
            library.evaluate(profile, AS_OF)
        with pytest.raises(BatchValidationError) as batch:
            library.evaluate_batch([good, profile], AS_OF)
        assert batch.value.errors == {1: single.value.errors}
    with pytest.raises(AsOfOutOfRangeError):
        library.evaluate_batch([good], date(9999, 1, 1))
