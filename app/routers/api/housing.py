"""Talent apartments: inventory and allocation for housing staff; offers and leases for
applicants."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, status
from pydantic import ConfigDict

from app.db import SessionDep
from app.errors import NotFound
from app.i18n import N_
from app.routers.access import CurrentApplicant, HousingStaff
from app.schemas.forms import PreferencesUpdate
from app.schemas.housing import (
    AllocationRequest,
    ImportReport,
    LeaseRead,
    MoveOutRecord,
    MoveOutRequest,
    MyHousing,
    MyPreferences,
    OfferRead,
    ProjectCreate,
    ProjectRead,
    RenewalTerms,
    UnitRead,
    UnitUpdate,
    WaitlistRead,
)
from app.schemas.text import CleanInput
from app.services import housing as housing_service

router = APIRouter(prefix="/api/v1", tags=["housing"])


@router.post("/housing/projects", status_code=status.HTTP_201_CREATED)
async def create_project(
    data: ProjectCreate, principal: HousingStaff, session: SessionDep
) -> ProjectRead:
    return await housing_service.create_project(session, principal, data)


@router.post(
    "/housing/projects/{project_id}/units/import",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def import_units(
    project_id: uuid.UUID,
    principal: HousingStaff,
    session: SessionDep,
    csv_text: Annotated[str, Body(media_type="text/csv", max_length=2_000_000)],
) -> ImportReport:
    """CSV with columns building, number, layout, area_sqm, floor, market_rent_cny,
    talent_rent_cny. Any bad row: 422 listing row, field and reason; nothing is imported."""
    return await housing_service.import_units(session, principal, project_id, csv_text)


@router.get("/housing/units")
async def list_units(
    principal: HousingStaff, session: SessionDep, status: str | None = None
) -> list[UnitRead]:
    return await housing_service.list_units(session, principal, status)


@router.get("/housing/waitlist")
async def waitlist(principal: HousingStaff, session: SessionDep) -> list[WaitlistRead]:
    return await housing_service.waitlist(session, principal)


@router.post("/housing/allocation-rounds", status_code=status.HTTP_201_CREATED)
async def allocation_round(
    data: AllocationRequest, principal: HousingStaff, session: SessionDep
) -> list[OfferRead]:
    return await housing_service.allocation_round(session, principal, data.respond_within_days)


@router.get("/my/housing")
async def my_housing(principal: CurrentApplicant, session: SessionDep) -> MyHousing:
    return await housing_service.my_housing(session, principal)


@router.post("/my/housing/offers/{offer_id}/accept", status_code=status.HTTP_201_CREATED)
async def accept_offer(
    offer_id: uuid.UUID, principal: CurrentApplicant, session: SessionDep
) -> LeaseRead:
    return await housing_service.accept_offer(session, principal, offer_id)


@router.post("/my/housing/offers/{offer_id}/decline", status_code=status.HTTP_204_NO_CONTENT)
async def decline_offer(
    offer_id: uuid.UUID, principal: CurrentApplicant, session: SessionDep
) -> None:
    await housing_service.decline_offer(session, principal, offer_id)


class RenewAccept(CleanInput):
    """Nothing to choose: a rent sent by the tenant is refused, the terms are staff's."""

    model_config = ConfigDict(extra="forbid")


@router.post("/my/housing/leases/{lease_id}/renew")
async def renew_lease(
    lease_id: uuid.UUID,
    principal: CurrentApplicant,
    session: SessionDep,
    data: RenewAccept | None = None,
) -> LeaseRead:
    """Accept the renewal terms housing staff proposed (the rent is theirs to set)."""
    return await housing_service.renew_lease(session, principal, lease_id)


@router.post("/my/housing/leases/{lease_id}/move-out-request")
async def request_move_out(
    lease_id: uuid.UUID, data: MoveOutRequest, principal: CurrentApplicant, session: SessionDep
) -> LeaseRead:
    """Tell housing staff the day you will move out; they inspect and end the lease."""
    return await housing_service.request_move_out(session, principal, lease_id, data.move_out_on)


@router.get("/housing/leases")
async def list_leases(principal: HousingStaff, session: SessionDep) -> list[LeaseRead]:
    return await housing_service.district_leases(session, principal)


@router.put("/housing/leases/{lease_id}/renewal-terms")
async def propose_renewal(
    lease_id: uuid.UUID, data: RenewalTerms, principal: HousingStaff, session: SessionDep
) -> LeaseRead:
    """The next term's monthly rent, at most the policy's yearly rise; the tenant accepts it."""
    return await housing_service.propose_renewal(
        session, principal, lease_id, data.monthly_rent_cny
    )


@router.post("/housing/leases/{lease_id}/move-out")
async def move_out(
    lease_id: uuid.UUID, data: MoveOutRecord, principal: HousingStaff, session: SessionDep
) -> LeaseRead:
    """Record the move-out inspection on the lease; the unit becomes available again."""
    return await housing_service.move_out(session, principal, lease_id, data)


@router.get("/housing/projects")
async def list_projects(principal: HousingStaff, session: SessionDep) -> list[ProjectRead]:
    return await housing_service.list_projects(session, principal)


@router.patch("/housing/units/{unit_id}")
async def update_unit(
    unit_id: uuid.UUID, data: UnitUpdate, principal: HousingStaff, session: SessionDep
) -> UnitRead:
    """Layout, rents (talent rent at most 90% of market) and available/maintenance status; the
    status of an offered or let unit does not change here."""
    return await housing_service.update_unit(session, principal, unit_id, data)


@router.get("/my/housing/preferences")
async def my_preferences(principal: CurrentApplicant, session: SessionDep) -> MyPreferences:
    """The projects of the district you wait in and the projects and layouts you chose."""
    found = await housing_service.my_preferences(session, principal)
    if found is None:
        raise NotFound(N_("You are not on a waiting list."))
    return found


@router.put("/my/housing/preferences", status_code=status.HTTP_204_NO_CONTENT)
async def set_preferences(
    data: PreferencesUpdate, principal: CurrentApplicant, session: SessionDep
) -> None:
    """Projects and layouts the applicant would accept; allocation rounds respect them."""
    await housing_service.set_preferences(session, principal, data.projects, list(data.layouts))
