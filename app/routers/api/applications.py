"""Applicant side: services, drafts, submission, my cases, ratings; plus public status."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, status

from app.core.access import public_api
from app.core.ratelimit import RateLimit
from app.core.templates import language
from app.db import SessionDep
from app.routers.access import CurrentApplicant
from app.schemas.cases import (
    ApplicationCreate,
    ApplicationRead,
    ApplicationUpdate,
    CaseActionRequest,
    CaseRead,
    PublicStatus,
    RatingCreate,
    StatusLookup,
    SubmitRequest,
    SubmitResult,
)
from app.services import cases as cases_service
from app.services import catalog as catalog_service
from app.services.applications import journey as applications_service
from app.services.catalog import ServiceView

router = APIRouter(prefix="/api/v1", tags=["applications"])
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=100)]


@router.get("/services", dependencies=[Depends(public_api)])
async def list_services(
    request: Request, session: SessionDep, district: str | None = None
) -> list[ServiceView]:
    return await catalog_service.list_services(session, language(request), district)


@router.post("/applications", status_code=status.HTTP_201_CREATED)
async def start_application(
    data: ApplicationCreate, request: Request, principal: CurrentApplicant, session: SessionDep
) -> ApplicationRead:
    """Starts a draft, or returns the existing draft for the same service."""
    app = await applications_service.start(session, principal, data.service_id, channel="api")
    return await applications_service.application_view(session, app, language(request))


@router.get("/applications/{application_id}")
async def get_application(
    application_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> ApplicationRead:
    app = await applications_service.get_owned(session, principal, application_id)
    return await applications_service.application_view(session, app, language(request))


@router.patch("/applications/{application_id}")
async def save_application(
    application_id: uuid.UUID,
    data: ApplicationUpdate,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> ApplicationRead:
    """Saves answers (talent facts) and chosen documents; call it at every step.
    ``answer_later`` marks questions "I don't know yet" (listed apart, asked again)."""
    app = await applications_service.save(
        session, principal, application_id, data.answers, data.documents, later=data.answer_later
    )
    return await applications_service.application_view(session, app, language(request))


@router.post("/applications/{application_id}/submit", status_code=status.HTTP_201_CREATED)
async def submit_application(
    application_id: uuid.UUID,
    data: SubmitRequest,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    idempotency_key: IdempotencyKey,
) -> SubmitResult:
    """Opens the case. Retrying with the same Idempotency-Key returns the same case."""
    return await applications_service.submit(
        session,
        principal,
        application_id,
        idempotency_key=idempotency_key,
        declaration=data.declaration,
        sensitive_consent=data.sensitive_consent,
        lang=language(request),
    )


@router.get("/cases")
async def my_cases(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> list[CaseRead]:
    return await cases_service.my_cases(session, principal, language(request))


@router.get("/cases/{case_id}")
async def get_case(
    case_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> CaseRead:
    return await cases_service.case_view(session, principal, case_id, language(request))


@router.post("/cases/{case_id}/actions")
async def applicant_action(
    case_id: uuid.UUID,
    data: CaseActionRequest,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> CaseRead:
    """Applicant actions: withdraw, and record a supplement sent."""
    return await cases_service.act(session, principal, case_id, data, language(request))


@router.post("/cases/{case_id}/rating", status_code=status.HTTP_201_CREATED)
async def rate_case(
    case_id: uuid.UUID,
    data: RatingCreate,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> CaseRead:
    return await cases_service.rate(session, principal, case_id, data, language(request))


@router.post(
    "/status",
    dependencies=[Depends(public_api), Depends(RateLimit("status", "rate_limit_public"))],
)
async def public_status(data: StatusLookup, request: Request, session: SessionDep) -> PublicStatus:
    """Case status without signing in: case number + lookup code (rate-limited)."""
    return await cases_service.public_status(session, data.number, data.code, language(request))
