"""The talent register for mobile apps and district systems: the keepers' search of their
district (every person shown audited), one entry, a person's history; the applicant's own
recognitions."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request, status

from app.core.forms import validate_form
from app.core.templates import language
from app.core.uploads import ACCEPTS_FILES, read_chunks, read_form_with_file
from app.db import SessionDep
from app.routers.access import CurrentApplicant, RegisterKeeper
from app.schemas.talent_register import EntryCreate, EntryRead, RegisterSearch
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


_RECORD_OPENAPI = {
    ACCEPTS_FILES: True,
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "id_kind", "id_number", "programme", "granted_on"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        **{name: {"type": "string"} for name in EntryCreate.model_fields},
                    },
                }
            }
        },
    },
}


@router.post("", status_code=status.HTTP_201_CREATED, openapi_extra=_RECORD_OPENAPI)
async def record_entry(
    request: Request, principal: RegisterKeeper, session: SessionDep
) -> EntryRead:
    """An outside membership with its evidence (multipart: the entry's fields and ``file``)."""
    upload, fields = await read_form_with_file(request)
    data = validate_form(
        EntryCreate,
        {k: v or None for k, v in fields.items()},
        # The missing file is named with the other fields' errors, not after them.
        also=[] if upload else [register.evidence_missing()],
    )
    return await register.record_outside(
        session,
        principal,
        data,
        upload.filename if upload else None,
        read_chunks(upload) if upload else None,
        language(request),
    )


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
