"""Employers confirm (or deny) the employment facts of their staff's applications."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request

from app.core.templates import language
from app.db import SessionDep
from app.routers.access import CurrentEmployer
from app.schemas.cases import CaseActionRequest, CaseRead
from app.services import cases as cases_service

router = APIRouter(prefix="/api/v1/employer/cases", tags=["employer"])


@router.get("")
async def employer_cases(
    request: Request, principal: CurrentEmployer, session: SessionDep
) -> list[CaseRead]:
    """Cases that name the caller's employer, newest first."""
    return await cases_service.my_cases(session, principal, language(request))


@router.post("/{case_id}/actions")
async def employer_action(
    case_id: uuid.UUID,
    data: CaseActionRequest,
    request: Request,
    principal: CurrentEmployer,
    session: SessionDep,
) -> CaseRead:
    """``confirm_employment`` or ``deny_employment`` (with a reason)."""
    return await cases_service.act(session, principal, case_id, data, language(request))
