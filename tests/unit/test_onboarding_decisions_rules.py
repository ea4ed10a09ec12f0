"""The onboarding bundle's further decisions as rules (issue 18, points 2 and 3): the
recommendation for permanent residence per district (what is sourced, what assumed, the
boundary of 4 years, the reasons it gives), and the fast track's vocabulary."""

from __future__ import annotations

import typing
from datetime import date

import pytest

from app.rules import DecisionStatus, load_library
from app.schemas.onboarding_decisions import FastTrackNomination
from app.workflow.onboarding_decisions import (
    FAST_TRACK_DISTRICTS,
    SHORTAGE_FIELDS,
    FastTrackStatus,
    may_decide_fast_track,
    pr_policy_id,
)

DAY = date(2026, 12, 7)
CLASS_A = {"work_permit_class": "A", "verified_talent_programs": []}


def evaluate(district: str, facts: dict[str, object], lang: str = "en") -> typing.Any:
    return load_library().evaluate(facts, DAY, policy_ids=[pr_policy_id(district)], lang=lang)[0]


def params(district: str) -> typing.Any:
    return load_library().get(pr_policy_id(district)).versions[-1].spec.parameters


def test_yangpus_four_years_are_sourced_and_changnings_assumed() -> None:
    assert params("yangpu")["min_months_in_district"].status == "sourced"
    assert params("changning")["min_months_in_district"].status == "assumed"
    for district in ("yangpu", "changning"):
        # Who counts as high-level talent is no published criterion: assumed in both.
        assert params(district)["high_level_classes"].status == "assumed"
        assert params(district)["programme_codes"].status == "assumed"


@pytest.mark.parametrize("district", ["yangpu", "changning"])
@pytest.mark.parametrize(
    ("months", "status"),
    [
        (47, DecisionStatus.INELIGIBLE),
        (48, DecisionStatus.ELIGIBLE),
        (120, DecisionStatus.ELIGIBLE),
    ],
)
def test_four_years_in_the_district_is_the_boundary(
    district: str, months: int, status: DecisionStatus
) -> None:
    facts = {**CLASS_A, "social_insurance_months_in_district": months}
    assert evaluate(district, facts).status == status


def test_a_refusal_says_which_criterion_failed_in_each_language() -> None:
    facts = {
        "work_permit_class": "B",
        "verified_talent_programs": [],
        "social_insurance_months_in_district": 60,
    }
    en = evaluate("yangpu", facts)
    failed = [c.message for c in en.criteria if c.result == "false"]
    assert "Work-permit class is not A" in failed
    assert "No valid high-level programme entry in the district talent register" in failed
    zh = evaluate("yangpu", facts, "zh")
    assert any("区人才名册" in c.message for c in zh.criteria if c.result == "false")
    # A criterion that rests on an assumed value says so.
    assert any(c.assumed for c in en.criteria)


def test_a_verified_programme_stands_in_for_class_a() -> None:
    facts = {
        "work_permit_class": "B",
        "verified_talent_programs": ["national_high_level"],
        "social_insurance_months_in_district": 48,
    }
    assert evaluate("changning", facts).status == DecisionStatus.ELIGIBLE


def test_the_fast_track_is_changnings_and_decided_once() -> None:
    assert {"changning"} == FAST_TRACK_DISTRICTS
    assert may_decide_fast_track(FastTrackStatus.NOMINATED)
    assert not may_decide_fast_track(FastTrackStatus.ENDORSED)
    assert not may_decide_fast_track(FastTrackStatus.DECLINED)


def test_the_nomination_form_offers_exactly_the_shortage_fields() -> None:
    field = FastTrackNomination.model_fields["shortage_field"].annotation
    assert set(typing.get_args(field)) == set(SHORTAGE_FIELDS)
