"""Records retention for records officers: destruction lists (review, remove, submit, approve
by a second officer) and legal holds. Another district's list or hold answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from app.core.templates import language
from app.db import SessionDep
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.routers.access import require_permission
from app.schemas.retention import (
    HoldCreate,
    HoldRead,
    HoldRelease,
    ItemRemoval,
    ListRead,
    ListSummary,
)
from app.services.retention import holds, lists

router = APIRouter(prefix="/api/v1/records", tags=["records retention"])
RecordsOfficer = Annotated[Principal, Depends(require_permission(Permission.MANAGE_RECORDS))]


@router.get("/destruction-lists")
async def destruction_lists(
    request: Request, principal: RecordsOfficer, session: SessionDep
) -> list[ListSummary]:
    """The district's destruction lists, newest first."""
    return await lists.list_summaries(session, principal, language(request))


@router.get("/destruction-lists/{list_id}")
async def destruction_list(
    list_id: uuid.UUID, request: Request, principal: RecordsOfficer, session: SessionDep
) -> ListRead:
    return await lists.list_view(session, principal, list_id, language(request))


@router.post("/destruction-lists/{list_id}/items/{item_id}/removal")
async def remove_item(
    list_id: uuid.UUID,
    item_id: uuid.UUID,
    data: ItemRemoval,
    request: Request,
    principal: RecordsOfficer,
    session: SessionDep,
) -> ListRead:
    """Takes a case off an open list, with the reason; the officer may then not approve it."""
    return await lists.remove_item(session, principal, list_id, item_id, data, language(request))


@router.post("/destruction-lists/{list_id}/submission")
async def submit_list(
    list_id: uuid.UUID, request: Request, principal: RecordsOfficer, session: SessionDep
) -> ListRead:
    """The list has been reviewed: another records officer is asked to approve it."""
    return await lists.submit(session, principal, list_id, language(request))


@router.post("/destruction-lists/{list_id}/approval")
async def approve_list(
    list_id: uuid.UUID, request: Request, principal: RecordsOfficer, session: SessionDep
) -> ListRead:
    """A second officer (not who submitted or edited it) approves: the listed cases are
    destroyed, the minimal records and the certificate remain. 409 ``four_eyes`` otherwise."""
    return await lists.approve(session, principal, list_id, language(request))


@router.get("/holds")
async def list_holds(principal: RecordsOfficer, session: SessionDep) -> list[HoldRead]:
    """The district's cases on legal hold."""
    return await holds.list_holds(session, principal)


@router.post("/holds", status_code=201)
async def place_hold(data: HoldCreate, principal: RecordsOfficer, session: SessionDep) -> HoldRead:
    """Puts a case of the district (by number) on legal hold: it is not destroyed."""
    return await holds.place(session, principal, data)


@router.post("/holds/{hold_id}/release")
async def release_hold(
    hold_id: uuid.UUID, data: HoldRelease, principal: RecordsOfficer, session: SessionDep
) -> HoldRead:
    return await holds.release(session, principal, hold_id, data)
