"""Programme rounds for mobile apps and district systems: the programmes and open rounds
(public), the admin's round setup, the committee's ranking, decision, public notice and award,
reviewers' conflict declarations, the public notice with its objection form (no sign-in)."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel

from app.core.ratelimit import RateLimit
from app.core.templates import language
from app.db import SessionDep
from app.routers.access import ProgrammeManager, ProgrammeReviewer, PublicPage
from app.schemas.programmes import (
    DecisionIn,
    DeclarationIn,
    NoticeRead,
    ObjectionCreate,
    ObjectionDecision,
    ObjectionRead,
    ProgrammeRead,
    RankedRead,
    RoundCreate,
    RoundRead,
)
from app.services.programmes import public_notice, reviews, rounds, selection

router = APIRouter(prefix="/api/v1/programmes", tags=["programmes"])


class NoticeDates(BaseModel):
    notice_from: date
    notice_until: date


class Awarded(BaseModel):
    awarded: int


class Declared(BaseModel):
    organisation_codes: list[str]


class Filed(BaseModel):
    id: uuid.UUID


@router.get("")
async def list_programmes(
    request: Request, principal: PublicPage, session: SessionDep, district: str | None = None
) -> list[ProgrammeRead]:
    return await rounds.programmes(session, district, language(request))


@router.get("/rounds")
async def list_rounds(
    request: Request, principal: PublicPage, session: SessionDep, district: str | None = None
) -> list[RoundRead]:
    """Staff: their district's rounds; anyone else: the rounds open for nominations."""
    return await rounds.listing(session, principal, language(request), district)


@router.post("/rounds", status_code=status.HTTP_201_CREATED)
async def open_round(
    request: Request, data: RoundCreate, principal: ProgrammeManager, session: SessionDep
) -> RoundRead:
    return await rounds.create(session, principal, data, language(request))


@router.get("/rounds/{round_id}")
async def get_round(
    request: Request, round_id: uuid.UUID, principal: PublicPage, session: SessionDep
) -> RoundRead:
    return await rounds.get(session, principal, round_id, language(request))


@router.put("/rounds/{round_id}/declaration")
async def declare_conflicts(
    round_id: uuid.UUID, data: DeclarationIn, principal: ProgrammeReviewer, session: SessionDep
) -> Declared:
    """The reviewer's conflict-of-interest declaration for the round (replaces an earlier one)."""
    return Declared(organisation_codes=await reviews.declare(session, principal, round_id, data))


@router.get("/rounds/{round_id}/ranking")
async def ranking(
    request: Request, round_id: uuid.UUID, principal: ProgrammeManager, session: SessionDep
) -> list[RankedRead]:
    return await selection.ranking(session, principal, round_id, language(request))


@router.post("/rounds/{round_id}/decision")
async def decide(
    request: Request,
    round_id: uuid.UUID,
    data: DecisionIn,
    principal: ProgrammeManager,
    session: SessionDep,
) -> list[RankedRead]:
    return await selection.decide(session, principal, round_id, data, language(request))


@router.post("/rounds/{round_id}/notice")
async def publish_notice(
    round_id: uuid.UUID, principal: ProgrammeManager, session: SessionDep
) -> NoticeDates:
    start, until = await selection.publish_notice(session, principal, round_id)
    return NoticeDates(notice_from=start, notice_until=until)


@router.get("/rounds/{round_id}/objections")
async def list_objections(
    request: Request, round_id: uuid.UUID, principal: ProgrammeManager, session: SessionDep
) -> list[ObjectionRead]:
    return await public_notice.objections(session, principal, round_id, language(request))


@router.post("/objections/{objection_id}/decision")
async def decide_objection(
    request: Request,
    objection_id: uuid.UUID,
    data: ObjectionDecision,
    principal: ProgrammeManager,
    session: SessionDep,
) -> ObjectionRead:
    return await public_notice.decide_objection(
        session, principal, objection_id, data, language(request)
    )


@router.post("/rounds/{round_id}/award")
async def award(round_id: uuid.UUID, principal: ProgrammeManager, session: SessionDep) -> Awarded:
    """Idempotent: a second call awards nothing more."""
    return Awarded(awarded=await selection.award(session, principal, round_id))


@router.get("/notices")
async def notices(request: Request, principal: PublicPage, session: SessionDep) -> list[NoticeRead]:
    """The public notices (公示), names masked; no sign-in."""
    return await public_notice.notices(session, language(request))


@router.post(
    "/notices/objections",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(RateLimit("objection", "rate_limit_public"))],
)
async def object_to(data: ObjectionCreate, principal: PublicPage, session: SessionDep) -> Filed:
    return Filed(id=await public_notice.object_to(session, principal, data))
