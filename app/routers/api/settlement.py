"""Public route finder for talent hukou settlement (人才落户一件事)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel, ConfigDict, Field

from app.core.access import public_api
from app.core.ratelimit import RateLimit
from app.core.templates import language
from app.db import SessionDep
from app.domain.enums import District
from app.routers.access import CaseStaff, CurrentApplicant, WindowClerk
from app.schemas.cases import ApplicationRead, CaseRead, QuestionView
from app.schemas.text import CleanInput
from app.services import cases as cases_service
from app.services import settlement as bundles_service
from app.services.applications import journey as applications_service
from app.services.settlement import route_finder as settlement_service
from app.services.settlement import verification as verification_service

router = APIRouter(
    prefix="/api/v1/settlement",
    tags=["settlement"],
    dependencies=[Depends(public_api), Depends(RateLimit("eligibility", "rate_limit_public"))],
)


class RouteQuery(CleanInput):
    model_config = ConfigDict(extra="forbid")
    facts: dict[str, Any] = Field(description="Talent facts by name")
    as_of: date | None = None


class RouteAnswer(BaseModel):
    as_of: date
    recommended: str | None
    routes: list[dict[str, Any]]
    missing_facts: list[str]


@router.post("/routes")
async def find_routes(data: RouteQuery, request: Request) -> RouteAnswer:
    """Which settlement route applies (returnee, fresh graduate, residence permit to hukou,
    talent introduction), why the others do not, and what would change it."""
    found = settlement_service.find_routes(data.facts, language(request), data.as_of)
    return RouteAnswer(
        as_of=found.as_of,
        recommended=found.recommended,
        routes=found.routes,
        missing_facts=found.missing_facts,
    )


# 人才落户一件事: the applicant's bundle, and what staff do on it beyond the ordinary actions.
bundles = APIRouter(prefix="/api/v1/settlement/bundles", tags=["settlement"])
staff = APIRouter(prefix="/api/v1/staff/cases", tags=["settlement"])
# The notice (一次性告知) a system's late "no record" or refusal leaves on the applicant's bundle.
cases = APIRouter(prefix="/api/v1/cases", tags=["settlement"])


class BundleStart(CleanInput):
    model_config = ConfigDict(extra="forbid")
    district: District


class ManualFacts(CleanInput):
    model_config = ConfigDict(extra="forbid")
    facts: dict[str, Any] = Field(description="Facts the system would have provided, by name")
    note: str = Field(max_length=2000, description="Where the data comes from, and why by hand")


class RouteChange(CleanInput):
    model_config = ConfigDict(extra="forbid")
    route: str
    reason: str = Field(max_length=2000)


class LateDocument(BaseModel):
    code: str
    kind: str
    name: str
    document_id: uuid.UUID | None = Field(
        description="Chosen on the web page but not yet sent with the answers"
    )


class LateNeedsRead(BaseModel):
    systems: list[str] = Field(description="The systems that answered no record or refused")
    questions: list[QuestionView]
    documents: list[LateDocument]
    items: list[str] = Field(description="The notice's lines, in Chinese and English")


class LateAnswers(CleanInput):
    model_config = ConfigDict(extra="forbid")
    expected_version: int = Field(ge=1, description="The case version the answers were made on")
    answers: dict[str, Any] = Field(default_factory=dict, description="Each asked fact, by name")
    documents: dict[str, uuid.UUID] = Field(
        default_factory=dict,
        description="Each asked document: a wallet document (POST /api/v1/documents) by code",
    )


@bundles.post("", status_code=status.HTTP_201_CREATED)
async def start_bundle(
    data: BundleStart, request: Request, principal: CurrentApplicant, session: SessionDep
) -> ApplicationRead:
    """Starts the bundle draft in a district (or returns the one in progress); the outside
    systems are asked for the applicant's records, shown in ``verifications``."""
    app = await bundles_service.start(session, principal, data.district, channel="api")
    return await applications_service.application_view(session, app, language(request))


@bundles.get("/{application_id}/routes")
async def bundle_routes(
    application_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> RouteAnswer:
    """The route finder on the draft's own answers and verified records."""
    found = await bundles_service.routes_for(session, principal, application_id, language(request))
    return RouteAnswer(
        as_of=found.as_of,
        recommended=found.recommended,
        routes=found.routes,
        missing_facts=found.missing_facts,
    )


@staff.post("/{case_id}/verifications/{system}")
async def enter_verified_facts(
    case_id: uuid.UUID,
    system: str,
    data: ManualFacts,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
) -> CaseRead:
    """During a lasting outage, staff enter what the system would have said, with a note."""
    await verification_service.enter_manually(
        session, principal, case_id, system, data.facts, data.note
    )
    return await cases_service.case_view(session, principal, case_id, language(request))


@staff.post("/{case_id}/route")
async def change_route(
    case_id: uuid.UUID,
    data: RouteChange,
    request: Request,
    principal: WindowClerk,
    session: SessionDep,
) -> CaseRead:
    """The window corrects the settlement route before accepting the bundle, with a reason."""
    lang = language(request)
    await bundles_service.change_route(session, principal, case_id, data.route, data.reason, lang)
    return await cases_service.case_view(session, principal, case_id, lang)


@cases.get("/{case_id}/details")
async def late_needs(
    case_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> LateNeedsRead:
    """What the notice still asks, as the bundle page shows it; all lists are empty when
    nothing is asked."""
    needs = await bundles_service.late_needs_for(session, principal, case_id, language(request))
    if needs is None:
        return LateNeedsRead(systems=[], questions=[], documents=[], items=[])
    return LateNeedsRead(
        systems=list(needs.systems),
        questions=needs.questions,
        documents=[LateDocument.model_validate(m) for m in needs.materials],
        items=list(needs.items),
    )


@cases.post("/{case_id}/details")
async def answer_late_needs(
    case_id: uuid.UUID,
    data: LateAnswers,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> CaseRead:
    """Answers the notice all at once, as the bundle page does: every asked fact and document,
    or 422 naming each one missing or invalid and nothing changed. The bundle then goes back
    to the window."""
    lang = language(request)
    await bundles_service.answer_late_needs(
        session,
        principal,
        case_id,
        data.answers,
        data.documents,
        expected_version=data.expected_version,
        lang=lang,
    )
    return await cases_service.case_view(session, principal, case_id, lang)
