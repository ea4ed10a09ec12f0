"""The registry through which service types plug into the case engine (docs/architecture.md)."""

from __future__ import annotations

from datetime import date

import pytest

from app.models import Service
from app.services import service_types, wiring
from app.services.claims.service_type import PersonExamFee
from app.services.housing.service_type import TalentApartment
from app.services.issued_documents.service_type import ResultDocuments
from app.services.service_cards.service_type import CardRequestType, ServiceCardType
from app.services.service_types import Registry, ServiceType
from app.services.settlement.service_type import SettlementBundle
from app.services.tax_subsidy.service_type import OverseasTaxSubsidy
from app.services.youth_stations.service_type import YouthStation


def _service(code: str, part_of: str | None = None, district: str = "yangpu") -> Service:
    return Service(code=code, part_of=part_of, district=district, policy_id=None)


def test_a_registry_refuses_to_answer_before_it_is_installed() -> None:
    registry = Registry()
    registry.register(TalentApartment())
    with pytest.raises(RuntimeError, match="not installed"):
        registry.for_service(_service("talent_apartment"))


def _own(service: Service) -> ServiceType:
    """The service's own type: every service also has the written decision's type beside it
    (issue 17), so the registry answers with the two together."""
    found = service_types.for_service(service)
    beside = getattr(found, "beside", [])
    assert any(isinstance(t, ResultDocuments) for t in beside)
    own = getattr(found, "own", found)
    assert isinstance(own, ServiceType)
    return own


def test_each_service_finds_its_type_and_any_other_the_generic_one() -> None:
    wiring.install()
    assert isinstance(_own(_service("talent_apartment")), TalentApartment)
    assert isinstance(_own(_service("settlement_bundle")), SettlementBundle)
    part = _service("settlement_hr_approval", part_of="settlement_bundle")
    assert isinstance(_own(part), SettlementBundle)
    plain = _own(_service("skills_subsidy"))
    assert type(plain) is ServiceType
    # The person's exam-fee claim records its certificate (issue 15).
    assert isinstance(_own(_service("exam_fee_reimbursement")), PersonExamFee)
    # Youth-station days are counted by the portal (issue 17).
    assert isinstance(_own(_service("youth_station")), YouthStation)
    # The service card issues the card; a holder's request is a type of its own (issue 17).
    assert isinstance(_own(_service("service_card")), ServiceCardType)
    request = _service("card_medical_request", part_of="service_card")
    assert isinstance(_own(request), CardRequestType)
    # Overseas talent's tax-difference subsidy: one claim per person and tax year (issue 18).
    tax = _service("overseas_tax_subsidy", district="changning")
    assert isinstance(_own(tax), OverseasTaxSubsidy)


def test_changning_services_carry_the_priority_window_beside_their_own_type() -> None:
    wiring.install()
    changning = service_types.for_service(_service("skills_subsidy", district="changning"))
    assert changning.name == "generic+priority_window+result_documents"
    yangpu = service_types.for_service(_service("skills_subsidy"))
    assert yangpu.name == "generic+result_documents"
    # The bundle's own promise (its longest chain of steps) still answers beside it.
    bundle = service_types.for_service(_service("settlement_bundle", district="changning"))
    assert bundle.name == "settlement_bundle+priority_window+result_documents"
    service = _service("settlement_bundle", district="changning")
    service.time_limit_days = 1
    today = date(2026, 12, 7)
    own = SettlementBundle().time_limit_days(service, {}, today)
    assert own != 1 and bundle.time_limit_days(service, {}, today) == own


def test_installing_twice_registers_each_type_once() -> None:
    wiring.install()
    wiring.install()
    assert sorted(t.name for t in service_types.REGISTRY.types) == [
        "exam_fee_reimbursement",
        "foreign_talent_onboarding",
        "high_level_certification",
        "onboarding_linked_consultation",
        "one_off_payment",
        "organisation_claim",
        "overseas_tax_subsidy",
        "priority_window",
        "result_documents",
        "schooling_consultation",
        "service_card",
        "service_card_request",
        "settlement_bundle",
        "talent_apartment",
        "youth_station",
    ]


def test_a_service_claimed_by_two_types_is_refused() -> None:
    class Greedy(ServiceType):
        name = "greedy"

        def handles(self, service: Service) -> bool:
            return True

    registry = Registry()
    registry.register(TalentApartment())
    registry.register(Greedy())
    registry.installed = True
    with pytest.raises(RuntimeError, match="several types"):
        registry.for_service(_service("talent_apartment"))


def test_the_generic_type_keeps_the_catalog_policy() -> None:
    service = Service(code="rent_subsidy", part_of=None, district="yangpu", policy_id="p.x")
    assert ServiceType().policy_for(service, {}) == "p.x"
    assert ServiceType().materials_editable
