"""Staff side: district queues, case pages, workflow actions, claiming and assigning."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import ConfigDict

from app.core.templates import language
from app.db import ReadSessionDep, SessionDep
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.routers.access import CaseStaff, require_permission
from app.schemas.cases import CaseActionRequest, CaseRead, NoteCreate, QueuePage
from app.schemas.forms import QueueFilters
from app.schemas.tasks import (
    FollowUpRead,
    FollowUpResolve,
    VerificationConfirm,
    VerificationRevoke,
    VerificationTaskRead,
)
from app.schemas.text import CleanInput
from app.services import cases as cases_service
from app.services.cases import follow_ups as tasks_service

router = APIRouter(prefix="/api/v1/staff", tags=["back office"])
Approver = Annotated[Principal, Depends(require_permission(Permission.APPROVE_CASES))]
Supervisor = Annotated[Principal, Depends(require_permission(Permission.FOLLOW_UP_RATINGS))]


class AssignRequest(CleanInput):
    model_config = ConfigDict(extra="forbid")
    staff_id: uuid.UUID | None = None  # None: claim for yourself


@router.get("/cases")
async def queue(
    request: Request,
    principal: CaseStaff,
    session: ReadSessionDep,
    filters: Annotated[QueueFilters, Query()],
) -> QueuePage:
    """Cases of the caller's district, by deadline, in keyset pages (``next_cursor``); the
    filters are the queue page's (QueueFilters)."""
    return await cases_service.queue(session, principal, language(request), filters)


@router.get("/cases/{case_id}")
async def get_case(
    case_id: uuid.UUID, request: Request, principal: CaseStaff, session: SessionDep
) -> CaseRead:
    return await cases_service.case_view(
        session, principal, case_id, language(request), audit_read=True
    )


@router.post("/cases/{case_id}/actions")
async def act(
    case_id: uuid.UUID,
    data: CaseActionRequest,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
) -> CaseRead:
    """One workflow action with the version the caller saw; 409 with the current state if
    someone else acted first."""
    return await cases_service.act(session, principal, case_id, data, language(request))


@router.post("/cases/{case_id}/assignee")
async def assign(
    case_id: uuid.UUID,
    data: AssignRequest,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
) -> CaseRead:
    return await cases_service.assign(session, principal, case_id, data.staff_id, language(request))


@router.post("/cases/{case_id}/notes", status_code=201)
async def add_note(
    case_id: uuid.UUID,
    data: NoteCreate,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
) -> CaseRead:
    """An internal note, or (``to_applicant``) a message the applicant receives."""
    return await cases_service.add_note(session, principal, case_id, data, language(request))


@router.get("/verifications")
async def verification_tasks(
    request: Request, principal: Approver, session: SessionDep
) -> list[VerificationTaskRead]:
    """告知承诺: approvals on commitment the caller's department still has to check."""
    return await tasks_service.verification_tasks(session, principal, language(request))


@router.post("/verifications/{task_id}/verified", status_code=204)
async def commitment_verified(
    task_id: uuid.UUID, data: VerificationConfirm, principal: Approver, session: SessionDep
) -> Response:
    """The commitment checked out; the approval stands and the task is closed."""
    await tasks_service.confirm(session, principal, task_id, data)
    return Response(status_code=204)


@router.post("/verifications/{task_id}/revoke")
async def revoke_on_verification(
    task_id: uuid.UUID,
    data: VerificationRevoke,
    request: Request,
    principal: Approver,
    session: SessionDep,
) -> CaseRead:
    """The commitment was untrue: the approval is revoked and the applicant told why."""
    return await tasks_service.revoke(session, principal, task_id, data, language(request))


@router.get("/follow-ups")
async def follow_ups(principal: Supervisor, session: SessionDep) -> list[FollowUpRead]:
    """好差评: poor ratings (1–2) whose call-back (回访) is still to be recorded."""
    return await tasks_service.open_follow_ups(session, principal)


@router.post("/follow-ups/{task_id}/resolve")
async def resolve_follow_up(
    task_id: uuid.UUID, data: FollowUpResolve, principal: Supervisor, session: SessionDep
) -> FollowUpRead:
    """Records what came of the call-back, once."""
    return await tasks_service.resolve_follow_up(session, principal, task_id, data)
