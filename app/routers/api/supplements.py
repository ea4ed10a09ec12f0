"""补正 for mobile apps: the items asked for, a wallet document added to an item (upload it with
``POST /api/v1/documents`` first), and sending when every item has a file or an explanation."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.core.templates import language
from app.db import SessionDep
from app.routers.access import CurrentApplicant
from app.schemas.case_steps import SupplementSend, SupplementView
from app.schemas.cases import CaseRead
from app.services.cases import supplements as supplements_service

router = APIRouter(prefix="/api/v1/cases", tags=["applications"])


class SupplementFileAdd(BaseModel):
    document_id: uuid.UUID


@router.get("/{case_id}/supplement")
async def supplement(
    case_id: uuid.UUID, principal: CurrentApplicant, session: SessionDep
) -> SupplementView:
    """What the department asked for, by when, and the files added to each item so far."""
    return await supplements_service.view(session, principal, case_id)


@router.post("/{case_id}/supplement/items/{index}/files")
async def add_supplement_file(
    case_id: uuid.UUID,
    index: int,
    data: SupplementFileAdd,
    principal: CurrentApplicant,
    session: SessionDep,
) -> SupplementView:
    """Adds one wallet document to requested item ``index`` (an item may have several)."""
    return await supplements_service.add_file(session, principal, case_id, index, data.document_id)


@router.post("/{case_id}/supplement/send")
async def send_supplement(
    case_id: uuid.UUID,
    data: SupplementSend,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> CaseRead:
    """Sends the supplement. 422 naming each item that has neither a file nor an explanation;
    nothing changes then."""
    return await supplements_service.send(session, principal, case_id, data, language(request))
