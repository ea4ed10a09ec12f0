"""Nominations: filed by a verified organisation or the person (where the programme allows),
read in scope (staff their district, a reviewer those given to them, an organisation its own,
a person theirs); reviewers are assigned by the committee and score on the round's sheet."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status
from pydantic import BaseModel

from app.core.templates import language
from app.db import SessionDep
from app.routers.access import CurrentUser, ProgrammeManager, ProgrammeReviewer, ScoreReader
from app.schemas.programmes import AssignIn, NominationCreate, NominationRead, ReviewRead, ScoreIn
from app.services.programmes import nominations, reviews

router = APIRouter(prefix="/api/v1/nominations", tags=["programmes"])


class Reviewing(BaseModel):
    reviewers: int


@router.post("", status_code=status.HTTP_201_CREATED)
async def file_nomination(
    request: Request, data: NominationCreate, principal: CurrentUser, session: SessionDep
) -> NominationRead:
    """An ineligible nomination is refused (422 ``nomination_ineligible``) with ``reasons``."""
    return await nominations.file(session, principal, data, language(request))


@router.get("")
async def list_nominations(
    request: Request, principal: CurrentUser, session: SessionDep, round_id: uuid.UUID | None = None
) -> list[NominationRead]:
    return await nominations.listing(session, principal, language(request), round_id)


@router.get("/{nomination_id}")
async def get_nomination(
    request: Request, nomination_id: uuid.UUID, principal: CurrentUser, session: SessionDep
) -> NominationRead:
    """With its timeline (every audited step)."""
    return await nominations.get(session, principal, nomination_id, language(request))


@router.post("/{nomination_id}/reviewers")
async def assign_reviewer(
    nomination_id: uuid.UUID, data: AssignIn, principal: ProgrammeManager, session: SessionDep
) -> Reviewing:
    """Refused (409 ``conflict_of_interest``) for a reviewer tied to the nominating organisation."""
    return Reviewing(reviewers=await reviews.assign(session, principal, nomination_id, data))


@router.get("/{nomination_id}/review")
async def my_review(
    nomination_id: uuid.UUID, principal: ProgrammeReviewer, session: SessionDep
) -> ReviewRead:
    return await reviews.own_review(session, principal, nomination_id)


@router.put("/{nomination_id}/review")
async def save_review(
    nomination_id: uuid.UUID, data: ScoreIn, principal: ProgrammeReviewer, session: SessionDep
) -> ReviewRead:
    """A draft (``submit`` false, any criteria) or the submitted sheet (every criterion)."""
    return await reviews.save(session, principal, nomination_id, data)


@router.get("/{nomination_id}/scores")
async def all_scores(
    nomination_id: uuid.UUID, principal: ScoreReader, session: SessionDep
) -> list[ReviewRead]:
    """Every reviewer's score: refused (403 ``scores_sealed``) to a reviewer who has not
    submitted theirs."""
    return await reviews.scores(session, principal, nomination_id)
