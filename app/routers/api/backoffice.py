"""Staff side: district queues, case pages, workflow actions, claiming and assigning."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict

from app.core.access import CurrentStaff
from app.core.templates import language
from app.db import SessionDep
from app.schemas.cases import CaseActionRequest, CaseRead, NoteCreate, QueuePage
from app.services import cases as cases_service

router = APIRouter(prefix="/api/v1/staff/cases", tags=["back office"])


class AssignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: uuid.UUID | None = None  # None: claim for yourself


@router.get("")
async def queue(
    request: Request,
    principal: CurrentStaff,
    session: SessionDep,
    department: str | None = None,
    status: Annotated[list[str] | None, Query()] = None,
    service_id: uuid.UUID | None = None,
    light: str | None = Query(default=None, pattern="^(amber|red)$"),
    cursor: str | None = Query(default=None, max_length=200),
    limit: int = Query(default=50, ge=1, le=200),
) -> QueuePage:
    """Cases of the caller's district, by deadline, in keyset pages (``next_cursor``)."""
    return await cases_service.queue(
        session,
        principal,
        language(request),
        department=department,
        statuses=status,
        service_id=service_id,
        light=light,
        cursor=cursor,
        limit=limit,
    )


@router.get("/{case_id}")
async def get_case(
    case_id: uuid.UUID, request: Request, principal: CurrentStaff, session: SessionDep
) -> CaseRead:
    return await cases_service.case_view(session, principal, case_id, language(request))


@router.post("/{case_id}/actions")
async def act(
    case_id: uuid.UUID,
    data: CaseActionRequest,
    request: Request,
    principal: CurrentStaff,
    session: SessionDep,
) -> CaseRead:
    """One workflow action with the version the caller saw; 409 with the current state if
    someone else acted first."""
    return await cases_service.act(session, principal, case_id, data, language(request))


@router.post("/{case_id}/assignee")
async def assign(
    case_id: uuid.UUID,
    data: AssignRequest,
    request: Request,
    principal: CurrentStaff,
    session: SessionDep,
) -> CaseRead:
    return await cases_service.assign(session, principal, case_id, data.staff_id, language(request))


@router.post("/{case_id}/notes", status_code=201)
async def add_note(
    case_id: uuid.UUID,
    data: NoteCreate,
    request: Request,
    principal: CurrentStaff,
    session: SessionDep,
) -> CaseRead:
    """An internal note, or (``to_applicant``) a message the applicant receives."""
    return await cases_service.add_note(session, principal, case_id, data, language(request))
