"""初到杨浦 / 虹桥 (issue 18) for apps: the onboarding bundle's steps (the person, their
employer and staff of the case see the same), the employer's record of its work-permit
application in the national system, and the person's check-lists."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Request, status

from app.core.templates import language
from app.db import SessionDep
from app.routers.access import CaseStaff, CurrentApplicant, CurrentEmployer, CurrentUser
from app.schemas.onboarding import (
    ChecklistTick,
    ConsultationStarted,
    HandoffRecord,
    HireStart,
    HireStarted,
    HousingAnswer,
    OnboardingView,
)
from app.services.onboarding import letter, progress, starting

router = APIRouter(prefix="/api/v1/onboarding", tags=["onboarding"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def start_for_hire(
    data: HireStart, principal: CurrentEmployer, session: SessionDep
) -> HireStarted:
    """The verified employer opens its new hire's form (the person completes it)."""
    return HireStarted(application_id=await starting.start_for_hire(session, principal, data))


@router.get("/{case_id}")
async def read(
    case_id: uuid.UUID, request: Request, principal: CurrentUser, session: SessionDep
) -> OnboardingView:
    """The steps with their owner, what to bring and their status."""
    return await progress.read(session, principal, case_id, language(request))


@router.post("/{case_id}/handoff")
async def record_handoff(
    case_id: uuid.UUID,
    data: HandoffRecord,
    request: Request,
    principal: CurrentEmployer,
    session: SessionDep,
) -> OnboardingView:
    """The employer's application number in the national work-permit system and its outcome
    (the portal files nothing there)."""
    await progress.record_handoff(session, principal, case_id, data)
    return await progress.read(session, principal, case_id, language(request))


@router.post("/{case_id}/checklist")
async def tick(
    case_id: uuid.UUID,
    data: ChecklistTick,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> OnboardingView:
    """The person ticks (or unticks) an item of a step done elsewhere."""
    await progress.tick(session, principal, case_id, data)
    return await progress.read(session, principal, case_id, language(request))


@router.post("/{case_id}/letter")
async def issue_letter(
    case_id: uuid.UUID, request: Request, principal: CaseStaff, session: SessionDep
) -> OnboardingView:
    """A staff member decides to issue the talent confirmation letter (class A or B): a
    bilingual PDF, verifiable by its QR code, listed on the case."""
    await letter.issue(session, principal, case_id)
    return await progress.read(session, principal, case_id, language(request))


@router.post("/{case_id}/housing/offer")
async def offer_apartment(
    case_id: uuid.UUID, request: Request, principal: CaseStaff, session: SessionDep
) -> OnboardingView:
    """The housing office offers (another) talent apartment on the housing step."""
    await progress.offer_apartment(session, principal, case_id)
    return await progress.read(session, principal, case_id, language(request))


@router.post("/{case_id}/housing/{answer}")
async def answer_offer(
    case_id: uuid.UUID,
    answer: Literal["accept", "decline"],
    data: HousingAnswer,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> OnboardingView:
    """The person accepts the apartment offered (accepting again changes nothing) or declines
    it (the office may offer another)."""
    await progress.answer_offer(session, principal, case_id, data, answer == "accept")
    return await progress.read(session, principal, case_id, language(request))


@router.post("/{case_id}/schooling", status_code=status.HTTP_201_CREATED)
async def request_consultation(
    case_id: uuid.UUID, principal: CurrentApplicant, session: SessionDep
) -> ConsultationStarted:
    """Opens the schooling consultation's form, linked to the bundle's schooling step."""
    return ConsultationStarted(
        application_id=await progress.request_consultation(session, principal, case_id)
    )
