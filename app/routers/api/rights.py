"""A person's rights over their data, for the mobile apps: copies, staff reads, corrections,
consents and account deletion (``/api/v1/account/...``); and the district officers' queue of
correction requests (``/api/v1/staff/corrections``)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request, Response, status

from app.core.downloads import file_response
from app.core.templates import language
from app.db import SessionDep
from app.routers.access import CaseStaff, CurrentApplicant
from app.schemas.rights import (
    AccountDeletionRequest,
    ConsentChange,
    ConsentRead,
    CorrectionCreate,
    CorrectionDecision,
    CorrectionRead,
    DeletionCheck,
    DeletionResult,
    ExportRead,
    ProfileUpdate,
    StaffReadEntry,
    VerifiedFact,
)
from app.services.rights import access_log, consents, corrections, deletion, exports

router = APIRouter(prefix="/api/v1/account", tags=["my data"])
staff = APIRouter(prefix="/api/v1/staff/corrections", tags=["my data"])


@router.get("/exports")
async def list_exports(principal: CurrentApplicant, session: SessionDep) -> list[ExportRead]:
    return await exports.list_exports(session, principal)


@router.post("/exports", status_code=status.HTTP_202_ACCEPTED)
async def request_export(principal: CurrentApplicant, session: SessionDep) -> ExportRead:
    """Queues a copy of everything held about you; a copy already being prepared is answered
    instead of a second one. Poll its status; ``download_url`` appears when it is ready."""
    return await exports.request_export(session, principal)


@router.get("/exports/{export_id}")
async def get_export(
    export_id: uuid.UUID, principal: CurrentApplicant, session: SessionDep
) -> ExportRead:
    return await exports.get_export(session, principal, export_id)


@router.get("/exports/{export_id}/download")
async def download_export(
    export_id: uuid.UUID,
    principal: CurrentApplicant,
    session: SessionDep,
    token: str = Query(max_length=500),
) -> Response:
    """The ZIP, for its owner with the signed link, until it expires; otherwise 404."""
    found = await exports.download(session, principal, export_id, token)
    return file_response(found.source, found.filename, found.content_type)


@router.get("/access-log")
async def who_viewed(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> list[StaffReadEntry]:
    """Staff who read or handled your records: role and department, never a name."""
    return await access_log.who_viewed(session, principal, language(request))


@router.put("/profile", status_code=status.HTTP_204_NO_CONTENT)
async def update_profile(
    data: ProfileUpdate, principal: CurrentApplicant, session: SessionDep
) -> None:
    await corrections.update_profile(session, principal, data)


@router.get("/verified-facts")
async def verified_facts(principal: CurrentApplicant, session: SessionDep) -> list[VerifiedFact]:
    return await corrections.verified_facts(session, principal)


@router.get("/corrections")
async def my_corrections(principal: CurrentApplicant, session: SessionDep) -> list[CorrectionRead]:
    return await corrections.my_requests(session, principal)


@router.post("/corrections", status_code=status.HTTP_201_CREATED)
async def request_correction(
    data: CorrectionCreate, principal: CurrentApplicant, session: SessionDep
) -> CorrectionRead:
    return await corrections.request_correction(session, principal, data)


@router.get("/consents")
async def list_consents(principal: CurrentApplicant, session: SessionDep) -> list[ConsentRead]:
    return await consents.consents(session, principal)


@router.put("/consents/{purpose}")
async def change_consent(
    purpose: str, data: ConsentChange, principal: CurrentApplicant, session: SessionDep
) -> list[ConsentRead]:
    """Gives or withdraws an optional consent, effective at once."""
    return await consents.change(session, principal, purpose, data.given, "api")


@router.get("/deletion")
async def deletion_check(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> DeletionCheck:
    return await deletion.check(session, principal, language(request))


@router.post("/deletion")
async def delete_account(
    data: AccountDeletionRequest,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> DeletionResult:
    """Deletes the account after the password is entered again; 409 with the reason while a
    case or payment is open."""
    return await deletion.delete_account(session, principal, data, language(request))


@staff.get("")
async def correction_queue(principal: CaseStaff, session: SessionDep) -> list[CorrectionRead]:
    return await corrections.queue(session, principal)


@staff.post("/{correction_id}/decision")
async def decide_correction(
    correction_id: uuid.UUID, data: CorrectionDecision, principal: CaseStaff, session: SessionDep
) -> CorrectionRead:
    return await corrections.decide(session, principal, correction_id, data)
