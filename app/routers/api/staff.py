from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import ConfigDict, Field

from app.db import SessionDep
from app.domain.enums import IdKind, Permission
from app.domain.principal import Principal
from app.routers.access import require_permission
from app.schemas.accounts import ApplicantRead, EmployerRead, FullIdRead, StaffRead
from app.schemas.text import CleanInput
from app.services.accounts import staff as staff_service

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])

EmployerViewer = Annotated[Principal, Depends(require_permission(Permission.VIEW_EMPLOYERS))]
StaffManager = Annotated[Principal, Depends(require_permission(Permission.MANAGE_STAFF))]
ApplicantViewer = Annotated[Principal, Depends(require_permission(Permission.VIEW_APPLICANTS))]
FullIdViewer = Annotated[Principal, Depends(require_permission(Permission.VIEW_FULL_ID))]


class IdLookup(CleanInput):
    model_config = ConfigDict(extra="forbid")
    id_kind: IdKind
    id_number: str = Field(min_length=5, max_length=20)


class RevealRequest(CleanInput):
    model_config = ConfigDict(extra="forbid")
    purpose: str = Field(min_length=2, max_length=200, description="Why the full number is needed")


@router.get("/employers")
async def list_employers(principal: EmployerViewer, session: SessionDep) -> list[EmployerRead]:
    return await staff_service.list_employers(session, principal)


@router.get("/employers/{employer_id}")
async def get_employer(
    employer_id: uuid.UUID, principal: EmployerViewer, session: SessionDep
) -> EmployerRead:
    return await staff_service.get_employer(session, principal, employer_id)


@router.get("/members")
async def list_staff(principal: StaffManager, session: SessionDep) -> list[StaffRead]:
    return await staff_service.list_staff(session, principal)


@router.post("/applicants/lookup")
async def lookup_applicant(
    data: IdLookup, principal: ApplicantViewer, session: SessionDep
) -> ApplicantRead:
    """Finds a walk-in applicant by ID or passport number through the blind index."""
    return await staff_service.find_applicant_by_id_number(
        session, principal, data.id_kind, data.id_number
    )


@router.post("/applicants/{applicant_id}/identity")
async def reveal_identity(
    applicant_id: uuid.UUID, data: RevealRequest, principal: FullIdViewer, session: SessionDep
) -> FullIdRead:
    """The full ID number; each call is written to the audit log with its purpose."""
    return await staff_service.reveal_id_number(session, principal, applicant_id, data.purpose)
