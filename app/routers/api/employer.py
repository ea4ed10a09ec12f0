"""The employer workspace's API: confirmations of employees' applications, the organisation's
own applications (batch claims included: the same lines the CSV page reads, as JSON), the
money decided for it and its messages."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from app.core.templates import language
from app.db import SessionDep
from app.routers.access import CurrentEmployer
from app.schemas.cases import CaseActionRequest, CaseRead
from app.schemas.claims import ClaimCheck, ClaimFiling, OrganisationService, OwnCase, Workspace
from app.schemas.talent_register import ConfirmedStaffRead, StaffCertificationRequest
from app.services import cases as cases_service
from app.services.claims import filing, workspace
from app.services.organisations import workspace as paid_workspace
from app.services.talent_register import staff_certification

router = APIRouter(prefix="/api/v1/employer", tags=["employer"])


@router.get("/cases")
async def employer_cases(
    request: Request, principal: CurrentEmployer, session: SessionDep
) -> list[CaseRead]:
    """Cases that name the caller's employer or that it filed, newest first."""
    return await cases_service.my_cases(session, principal, language(request))


@router.post("/cases/{case_id}/actions")
async def employer_action(
    case_id: uuid.UUID,
    data: CaseActionRequest,
    request: Request,
    principal: CurrentEmployer,
    session: SessionDep,
) -> CaseRead:
    """``confirm_employment`` or ``deny_employment`` (with a reason)."""
    return await cases_service.act(session, principal, case_id, data, language(request))


@router.get("/workspace")
async def employer_workspace(
    request: Request, principal: CurrentEmployer, session: SessionDep
) -> Workspace:
    """Confirmations to give, employees' cases (status and service only), the organisation's
    own applications, money decided for it, and its latest messages."""
    return await paid_workspace.workspace(session, principal, language(request))


@router.get("/services")
async def organisation_services(
    request: Request, principal: CurrentEmployer, session: SessionDep
) -> list[OrganisationService]:
    """The services the organisation may file in its district (batch ones list their columns)."""
    return await workspace.services(session, principal, language(request))


@router.get("/claims")
async def own_claims(
    request: Request, principal: CurrentEmployer, session: SessionDep
) -> list[OwnCase]:
    """The organisation's own applications, newest first."""
    return await workspace.own_cases(session, principal, language(request))


@router.post("/claims/check")
async def check_claim(
    data: ClaimFiling, request: Request, principal: CurrentEmployer, session: SessionDep
) -> ClaimCheck:
    """The line-by-line report of a batch claim; nothing is saved."""
    return await filing.check(session, principal, data, language(request))


@router.post("/claims", status_code=201)
async def file_claim(
    data: ClaimFiling, request: Request, principal: CurrentEmployer, session: SessionDep
) -> CaseRead:
    """Files an application of the organisation. A batch with an invalid line is refused (422,
    each line's problems) unless ``save_valid_only``; a certificate, person or month claimed
    before is refused (409, naming the earlier case)."""
    return await filing.file(session, principal, data, language(request))


@router.get("/claims/{case_id}")
async def own_claim(
    case_id: uuid.UUID, request: Request, principal: CurrentEmployer, session: SessionDep
) -> CaseRead:
    return await cases_service.case_view(session, principal, case_id, language(request))


@router.get("/staff")
async def confirmed_staff(
    principal: CurrentEmployer, session: SessionDep
) -> list[ConfirmedStaffRead]:
    """The people the organisation has confirmed as its employees (on one of their cases),
    with any high-level talent classification case open. A verified organisation only."""
    return await staff_certification.confirmed_staff(session, principal)


@router.post("/staff/{applicant_id}/certification", status_code=201)
async def apply_for_certification(
    applicant_id: uuid.UUID,
    data: StaffCertificationRequest,
    request: Request,
    principal: CurrentEmployer,
    session: SessionDep,
) -> CaseRead:
    """Files the high-level talent classification of a confirmed employee, in their name
    with the organisation named; someone not confirmed as its employee is not found (404), a
    criterion not met is refused with the reasons (422), a case already open conflicts (409)."""
    return await staff_certification.apply_for_staff(
        session, principal, applicant_id, data, language(request)
    )
