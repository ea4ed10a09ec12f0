"""Which profiles change status when a policy changes (the pure part of re-evaluation)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from app.rules import PolicyLibrary, StatusChange, compare_libraries, compare_versions, load_library
from app.rules.loader import package_directory
from tests.factories import insured_in_changning_profile

AS_OF = date(2026, 11, 22)
RENT = "changning.rent_subsidy@2021-11-12.yaml"


def _draft(tmp_path: Path) -> PolicyLibrary:
    source = Path(str(package_directory()))
    for entry in source.glob("*.yaml"):
        if not entry.name.endswith(".tests.yaml"):
            shutil.copy(entry, tmp_path / entry.name)
    target = tmp_path / RENT
    text = target.read_text(encoding="utf-8")
    old = "      - {from: 2021-11-12, value: 6}\nconditions:"
    assert old in text
    target.write_text(text.replace(old, "      - {from: 2021-11-12, value: 3}\nconditions:"))
    return PolicyLibrary.from_directory(tmp_path)


def test_lowering_a_threshold_reports_exactly_the_profiles_it_admits(tmp_path: Path) -> None:
    profiles = [
        insured_in_changning_profile(2),
        insured_in_changning_profile(4),
        insured_in_changning_profile(5, owns_home_in_shanghai=True),
        insured_in_changning_profile(8),
    ]
    changes = compare_libraries(
        load_library(), _draft(tmp_path), profiles, AS_OF, ["changning.rent_subsidy"]
    )
    assert changes == [
        StatusChange(
            profile_index=1,
            policy_id="changning.rent_subsidy",
            old_version="2021-11-12",
            new_version="2021-11-12",
            old_status="ineligible",
            new_status="eligible",
        )
    ]


def test_unchanged_libraries_report_nothing() -> None:
    profiles = [insured_in_changning_profile(2), insured_in_changning_profile(8), {}]
    assert compare_libraries(load_library(), load_library(), profiles, AS_OF) == []


def test_two_versions_of_one_policy_compared_on_the_same_date() -> None:
    base = {
        "nationality": "CN",
        "hukou": "other",
        "birth_date": "1995-05-01",
        "highest_degree": "master",
        "degree_country": "GB",
        "overseas_degree_verified": True,
        "study_abroad_days": 365,
        "return_date": "2025-06-01",
        "employment_start_date": "2025-09-01",
        "contract_start_date": "2025-09-01",
        "contract_end_date": "2028-08-31",
        "employer_district": "changning",
        "pays_income_tax_in_shanghai": True,
        "university_cn_tier": "other",
        "social_insurance_base_multiple": 0.5,
        "social_insurance_months": 2,
    }
    profiles = [
        {**base, "university_world_rank": 40},
        {**base, "university_world_rank": 300},
        {**base, "university_world_rank": 80, "social_insurance_months": 7},
    ]
    changes = compare_versions(
        load_library(), "shanghai.returnee_settlement", "2023-07-01", "2022-07-01", profiles, AS_OF
    )
    assert [(c.profile_index, c.old_status, c.new_status) for c in changes] == [
        (0, "ineligible", "eligible"),
        (2, "ineligible", "eligible"),
    ]
    assert {(c.old_version, c.new_version) for c in changes} == {("2023-07-01", "2022-07-01")}
