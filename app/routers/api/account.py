from __future__ import annotations

import uuid

from fastapi import APIRouter

from app.db import SessionDep
from app.routers.access import CurrentUser
from app.schemas.accounts import AccountRead, ApplicantRead, LanguageUpdate
from app.services import accounts as accounts_service
from app.services.accounts import staff as staff_service

router = APIRouter(prefix="/api/v1", tags=["account"])


@router.get("/me")
async def me(principal: CurrentUser, session: SessionDep) -> AccountRead:
    return await accounts_service.account_view(session, principal)


@router.put("/me/language")
async def set_language(
    data: LanguageUpdate, principal: CurrentUser, session: SessionDep
) -> AccountRead:
    await accounts_service.set_language(session, principal, data.language)
    return await accounts_service.account_view(session, principal)


@router.get("/applicants/{applicant_id}")
async def get_applicant(
    applicant_id: uuid.UUID, principal: CurrentUser, session: SessionDep
) -> ApplicantRead:
    """An applicant reads only themselves; staff read applicants they serve. Others: 404."""
    return await staff_service.get_applicant(session, principal, applicant_id)
