"""The onboarding bundle's pre-check against the real national points rule (acceptance 2:
a PRC citizen cannot start; a class C result explains the class and the way to class B)."""

from __future__ import annotations

from datetime import date

import pytest

from app.services.onboarding import precheck
from app.workflow.onboarding import PermitClass

DAY = date(2026, 12, 7)
ENGINEER = {
    "nationality": "US",
    "birth_date": date(1990, 1, 1),
    "highest_degree": "master",
    "annual_salary_cny": 400000,
    "work_experience_years": 8.5,
    "months_in_china_per_year": 10,
    "hsk_level": 3,
    "university_world_rank": 150,
    "talent_programs": [],
    "verified_talent_programs": [],
}
JUNIOR = {
    **ENGINEER,
    "highest_degree": "bachelor",
    "annual_salary_cny": 60000,
    "work_experience_years": 1,
    "months_in_china_per_year": 2,
    "hsk_level": 0,
    "university_world_rank": 800,
}


def test_an_overseas_engineer_is_class_b_with_the_rules_reasons() -> None:
    result = precheck.run(ENGINEER, DAY, "en")
    assert result.permit_class is PermitClass.B
    assert result.points == 76
    assert result.meaning is not None and result.meaning.startswith("Class B")
    assert "Bachelor's or higher with 2 years of experience" in result.reasons
    assert result.to_reach_b == [] and result.changes_for_b == []
    assert result.receipt["policy_id"] == "national.foreign_work_permit"


def test_class_c_says_what_the_class_means_and_what_would_reach_b() -> None:
    result = precheck.run(JUNIOR, DAY, "en")
    assert result.permit_class is PermitClass.C
    assert result.meaning is not None
    assert "neither class A nor class B" in result.meaning
    assert "quotas" in result.meaning
    assert len(result.to_reach_b) == 3
    assert any("60 points" in r for r in result.to_reach_b)
    # The rule's verified changes: one more year of experience, or a salary of 4x the average;
    # never class A's 6x (that is not what reaching B takes).
    assert "1 more year of work experience" in result.changes_for_b
    assert any("596,832" in c for c in result.changes_for_b)
    assert not any("895,248" in c for c in result.changes_for_b)


def test_class_c_in_chinese() -> None:
    result = precheck.run(JUNIOR, DAY, "zh")
    assert result.permit_class is PermitClass.C
    assert result.meaning is not None and "C类" in result.meaning
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in r) for r in result.to_reach_b)


@pytest.mark.parametrize("nationality", ["CN", "HK", "MO", "TW"])
def test_a_citizen_is_refused_before_any_points(nationality: str) -> None:
    with pytest.raises(precheck.NotForCitizens) as refused:
        precheck.run({**ENGINEER, "nationality": nationality}, DAY, "en")
    assert refused.value.status_code == 403
    assert "foreign nationals" in refused.value.detail


def test_a_form_still_missing_facts_has_no_class_yet() -> None:
    result = precheck.run({"nationality": "DE"}, DAY, "en")
    assert result.permit_class is None and result.meaning is None
    assert result.missing_facts
