"""The YAML cases beside each policy, and the coverage they must reach."""

from __future__ import annotations

import pytest

from app.rules import load_library
from app.rules.schema import TestCase, TestFile
from app.rules.testing import condition_coverage, read_test_files, run_case

FILES = read_test_files()
CASES = [(file, case) for file in FILES for case in file.cases]

CATALOG_OUTPUTS = {
    "shanghai.returnee_settlement": {"route"},
    "shanghai.graduate_settlement": {"route"},
    "shanghai.residence_points": {"points", "breakdown"},
    "shanghai.residence_to_hukou": {"years_required"},
    "shanghai.talent_introduction": {"route"},
    "shanghai.youth_station": {"max_days_this_stay"},
    "shanghai.skills_subsidy": {"amount_cny"},
    "national.foreign_work_permit": {"points", "class"},
    "changning.returnee_apartment_subsidy": {"monthly_schedule_cny", "total_cny", "max_total_cny"},
    "changning.talent_apartment": {
        "priority_score",
        "degree_score",
        "title_score",
        "programme_score",
        "district_score",
    },
    "changning.rent_subsidy": {"monthly_amount_cny", "max_months"},
    # The score's components are outputs too: staff see why an applicant ranks where they do.
    "yangpu.talent_apartment": {
        "priority_score",
        "apartment_kind",
        "degree_score",
        "title_score",
        "employer_score",
    },
    "yangpu.rent_subsidy": {"tier", "monthly_amount_cny", "max_months"},
    "yangpu.service_card": {"services"},
    # A consultation, not a benefit: the verdict only says whom it is for.
    "yangpu.schooling_consultation": set(),
    # High-level talent classification (issue 16): the classes the approver chooses from.
    "yangpu.high_level_certification": {"levels"},
    "changning.high_level_certification": {"levels"},
    # Programme rounds' nomination rules (issue 16): eligibility only, no outputs.
    "yangpu.outstanding_talent": set(),
    "changning.leading_talent": set(),
    "changning.young_innovator": set(),
    "yangpu.exam_fee_reimbursement": {"amount_cny"},
    # Organisations' services (issue 15): the amount granted, assumed where the plans give none.
    "yangpu.employer_exam_fee_claim": {"amount_cny"},
    "yangpu.chief_technician_studio": {"amount_cny"},
    "changning.chief_technician_studio": {"amount_cny"},
    "changning.youth_internship_base": set(),
    "changning.internship_subsidy_claim": {"amount_cny"},
    "yangpu.recruitment_reward": {"amount_cny"},
    "changning.recruitment_reward": {"amount_cny"},
    "yangpu.postdoc_workstation": {"amount_cny"},
    "changning.postdoc_workstation": {"amount_cny"},
    # Overseas talent's tax-difference subsidy (issue 18): the computation and the amount.
    "changning.overseas_tax_subsidy": {"benchmark_tax_cny", "tax_difference_cny", "amount_cny"},
    # The onboarding bundle's recommendation for permanent residence (issue 18): a verdict only.
    "yangpu.permanent_residence": set(),
    "changning.permanent_residence": set(),
}


@pytest.mark.parametrize(
    ("file", "case"), CASES, ids=[f"{f.policy_id}: {c.name}" for f, c in CASES]
)
def test_case(file: TestFile, case: TestCase) -> None:
    _, problems = run_case(load_library(), file, case)
    assert problems == []


def test_every_catalog_policy_is_carried_with_its_outputs() -> None:
    library = load_library()
    assert set(library.policy_ids()) == set(CATALOG_OUTPUTS)
    for policy_id, outputs in CATALOG_OUTPUTS.items():
        for version in library.get(policy_id).versions:
            assert set(version.outputs) == outputs, (policy_id, version.version)


def test_every_policy_has_a_test_file() -> None:
    assert sorted(f.policy_id for f in FILES) == sorted(CATALOG_OUTPUTS)


def test_every_version_is_exercised_by_a_case() -> None:
    library = load_library()
    exercised = {
        (file.policy_id, library.version_at(file.policy_id, file.as_of_of(case)).version)  # type: ignore[union-attr]
        for file, case in CASES
    }
    expected = {
        (info.policy_id, version.version)
        for info in library.policies()
        for version in info.versions
    }
    assert expected - exercised == set()


def test_every_condition_passes_and_fails_in_some_case() -> None:
    library = load_library()
    seen = condition_coverage(library, FILES)
    uncovered = [
        (info.policy_id, atomic.id, sorted(seen.get((info.policy_id, atomic.id), set())))
        for info in library.policies()
        for version in info.versions
        for atomic in version.spec.atomics()
        if not {"true", "false"} <= seen.get((info.policy_id, atomic.id), set())
    ]
    assert uncovered == []
