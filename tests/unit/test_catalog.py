"""The shipped service catalog is valid and covers every policy of the catalog."""

from __future__ import annotations

from app.rules import FACTS
from app.services.catalog import shipped_materials, shipped_services

CATALOG_POLICIES = {
    "shanghai.returnee_settlement",
    "shanghai.graduate_settlement",
    "shanghai.residence_points",
    "shanghai.residence_to_hukou",
    "shanghai.talent_introduction",
    "shanghai.youth_station",
    "shanghai.skills_subsidy",
    "national.foreign_work_permit",
    "changning.returnee_apartment_subsidy",
    "changning.talent_apartment",
    "changning.rent_subsidy",
    "yangpu.talent_apartment",
    "yangpu.rent_subsidy",
    "yangpu.service_card",
    "yangpu.exam_fee_reimbursement",
    # High-level talent classification (issue 16).
    "yangpu.high_level_certification",
    "changning.high_level_certification",
    # Filed by organisations (issue 15).
    "yangpu.employer_exam_fee_claim",
    "yangpu.chief_technician_studio",
    "changning.chief_technician_studio",
    "changning.youth_internship_base",
    "changning.internship_subsidy_claim",
    "yangpu.recruitment_reward",
    "changning.recruitment_reward",
    "yangpu.postdoc_workstation",
    "changning.postdoc_workstation",
    # Schooling help for families without a Shanghai hukou (issue 17).
    "yangpu.schooling_consultation",
    # Overseas talent's tax-difference subsidy (issue 18).
    "changning.overseas_tax_subsidy",
}


class TestShippedCatalog:
    def test_every_catalog_policy_has_a_service(self) -> None:
        used = set()
        for spec in shipped_services():
            for district in spec.districts:
                policy = spec.policy_for(district)
                if policy:
                    used.add(policy)
        assert used == CATALOG_POLICIES

    def test_district_policies_stay_in_their_district(self) -> None:
        for spec in shipped_services():
            for district in spec.districts:
                policy = spec.policy_for(district) or ""
                if policy.startswith(("yangpu.", "changning.")):
                    assert policy.startswith(district.value + "."), (spec.code, district)

    def test_time_limits_within_the_legal_20_days(self) -> None:
        assert all(1 <= s.time_limit_days <= 20 for s in shipped_services())

    def test_no_fact_is_asked_twice_and_materials_exist(self) -> None:
        materials = shipped_materials()
        for spec in shipped_services():
            assert len(spec.facts) == len(set(spec.facts)), spec.code
            assert set(spec.materials) <= set(materials)


class TestFormsCoverPolicies:
    def test_every_fact_a_policy_reads_is_asked_once(self) -> None:
        from datetime import date

        from app.rules import load_library
        from app.services.catalog import form_facts

        library = load_library()
        for spec in shipped_services():
            for district in spec.districts:
                facts = form_facts(spec, district)
                assert len(facts) == len(set(facts)), (spec.code, district)
                policy = spec.policy_for(district)
                if policy:
                    [empty] = library.evaluate({}, date.today(), policy_ids=[policy])
                    # A verified fact (the talent register's) is read by the portal, never
                    # asked: every other fact the policy reads is.
                    asked = {f for f in empty.missing_facts if FACTS[f].askable}
                    assert asked <= set(facts), (spec.code, district)
                    assert not {f for f in facts if not FACTS[f].askable}, (spec.code, district)
