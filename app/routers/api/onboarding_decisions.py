"""初到杨浦 / 虹桥 (issue 18, points 2 and 3) for apps: the onboarding bundle's further
decisions beside its steps: the R-visa invitation letter and the recommendation for permanent
residence (a talent-office reviewer may recommend, an approver issues), and the fast track for
urgently needed talent (the employer nominates, the talent office endorses or declines)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request

from app.core.templates import language
from app.db import SessionDep
from app.routers.access import CaseStaff, CurrentEmployer, CurrentUser
from app.schemas.onboarding_decisions import (
    FastTrackDecision,
    FastTrackNomination,
    FurtherView,
    LetterDecision,
    LetterReview,
)
from app.services.onboarding import fast_track, further_letters, further_view
from app.workflow.onboarding_decisions import LetterKind

router = APIRouter(prefix="/api/v1/onboarding", tags=["onboarding"])


@router.get("/{case_id}/further")
async def read(
    case_id: uuid.UUID,
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    months_in_district: int | None = Query(default=None, ge=0, le=1200),
) -> FurtherView:
    """The letters and the fast track, with what the caller may do; staff may check the
    recommendation with the months worked in the district."""
    return await further_view.read(
        session, principal, case_id, language(request), months_in_district
    )


@router.post("/{case_id}/letters/{kind}/review")
async def review_letter(
    case_id: uuid.UUID,
    kind: LetterKind,
    data: LetterReview,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
) -> FurtherView:
    """A talent-office reviewer recommends issuing the letter (another officer decides)."""
    lang = language(request)
    await further_letters.review(session, principal, case_id, kind, data, lang)
    return await further_view.read(session, principal, case_id, lang)


@router.post("/{case_id}/letters/{kind}")
async def issue_letter(
    case_id: uuid.UUID,
    kind: LetterKind,
    data: LetterDecision,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
) -> FurtherView:
    """A talent-office approver issues the letter: a bilingual PDF, verifiable by its QR code."""
    lang = language(request)
    await further_letters.issue(session, principal, case_id, kind, data, lang)
    return await further_view.read(session, principal, case_id, lang)


@router.post("/{case_id}/fast-track")
async def nominate(
    case_id: uuid.UUID,
    data: FastTrackNomination,
    request: Request,
    principal: CurrentEmployer,
    session: SessionDep,
) -> FurtherView:
    """The hire's verified employer nominates them as urgently needed talent (once)."""
    await fast_track.nominate(session, principal, case_id, data)
    return await further_view.read(session, principal, case_id, language(request))


@router.post("/{case_id}/fast-track/decision")
async def decide_fast_track(
    case_id: uuid.UUID,
    data: FastTrackDecision,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
) -> FurtherView:
    """The talent office endorses or declines the nomination, with its reason."""
    await fast_track.decide(session, principal, case_id, data)
    return await further_view.read(session, principal, case_id, language(request))
