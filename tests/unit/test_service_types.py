"""The registry through which service types plug into the case engine (docs/architecture.md)."""

from __future__ import annotations

import pytest

from app.models import Service
from app.services import service_types, wiring
from app.services.claims.service_type import PersonExamFee
from app.services.housing.service_type import TalentApartment
from app.services.service_types import Registry, ServiceType
from app.services.settlement.service_type import SettlementBundle


def _service(code: str, part_of: str | None = None) -> Service:
    return Service(code=code, part_of=part_of, district="yangpu", policy_id=None)


def test_a_registry_refuses_to_answer_before_it_is_installed() -> None:
    registry = Registry()
    registry.register(TalentApartment())
    with pytest.raises(RuntimeError, match="not installed"):
        registry.for_service(_service("talent_apartment"))


def test_each_service_finds_its_type_and_any_other_the_generic_one() -> None:
    wiring.install()
    assert isinstance(service_types.for_service(_service("talent_apartment")), TalentApartment)
    assert isinstance(service_types.for_service(_service("settlement_bundle")), SettlementBundle)
    part = _service("settlement_hr_approval", part_of="settlement_bundle")
    assert isinstance(service_types.for_service(part), SettlementBundle)
    plain = service_types.for_service(_service("skills_subsidy"))
    assert type(plain) is ServiceType
    # The person's exam-fee claim records its certificate (issue 15).
    assert isinstance(service_types.for_service(_service("exam_fee_reimbursement")), PersonExamFee)


def test_installing_twice_registers_each_type_once() -> None:
    wiring.install()
    wiring.install()
    assert sorted(t.name for t in service_types.REGISTRY.types) == [
        "exam_fee_reimbursement",
        "high_level_certification",
        "one_off_payment",
        "organisation_claim",
        "settlement_bundle",
        "talent_apartment",
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
