"""The talent register for mobile apps and district systems: the keepers' search of their
district (every person shown audited), one entry, a person's history; the applicant's own
recognitions."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request

from app.core.forms import validate_form
from app.core.templates import language
from app.db import SessionDep
from app.routers.access import CurrentApplicant, RegisterKeeper
from app.schemas.talent_register import EntryRead, RegisterSearch
from app.services.talent_register import register

router = APIRouter(prefix="/api/v1/talent-register", tags=["talent register"])


@router.get("")
async def search_register(
    request: Request,
    principal: RegisterKeeper,
    session: SessionDep,
    programme: str | None = None,
    organisation: str | None = None,
    granted_from: date | None = None,
    granted_to: date | None = None,
    page: int = 1,
) -> list[EntryRead]:
    """The caller's district's entries, newest grant first, 50 a page."""
    where = validate_form(
        RegisterSearch,
        {
            "programme": programme,
            "organisation": organisation,
            "granted_from": granted_from,
            "granted_to": granted_to,
        },
    )
    return await register.search(session, principal, where, language(request), page)


@router.get("/mine")
async def my_recognitions(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> list[EntryRead]:
    """The applicant's own entries in every district, with their validity today."""
    return await register.mine(session, principal, language(request))


@router.get("/people/{applicant_id}")
async def person_history(
    request: Request, applicant_id: uuid.UUID, principal: RegisterKeeper, session: SessionDep
) -> list[EntryRead]:
    _name, _masked, entries = await register.person_history(
        session, principal, applicant_id, language(request)
    )
    return entries


@router.get("/{entry_id}")
async def get_entry(
    request: Request, entry_id: uuid.UUID, principal: RegisterKeeper, session: SessionDep
) -> EntryRead:
    return await register.get_entry(session, principal, entry_id, language(request))
