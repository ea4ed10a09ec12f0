"""The caller's in-app messages: newest first, keyset-paginated; marking one read."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.db import SessionDep
from app.routers.access import CurrentUser
from app.schemas.messages import MessagePage, MessageRead
from app.services import notifications as notifications_service

router = APIRouter(prefix="/api/v1/messages", tags=["messages"])


@router.get("")
async def list_messages(
    principal: CurrentUser,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> MessagePage:
    return await notifications_service.list_messages(session, principal, cursor=cursor, limit=limit)


@router.post("/{message_id}/read")
async def mark_read(
    message_id: uuid.UUID, principal: CurrentUser, session: SessionDep
) -> MessageRead:
    """Idempotent: the first read time is kept. Someone else's message answers 404."""
    return await notifications_service.mark_read(session, principal, message_id)
