"""The web message centre the confirmation page promises: the caller's in-app messages, newest
first, each marked new until read (the same messages and read state as /api/v1/messages)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.templates import redirect, render
from app.db import SessionDep
from app.routers.access import CurrentUser
from app.services import notifications as notifications_service

router = APIRouter(tags=["pages"])
Csrf = Depends(csrf_protect)


@router.get("/messages", response_class=HTMLResponse)
async def message_centre(
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    page = await notifications_service.list_messages(session, principal, cursor=cursor, limit=20)
    return render(request, "applicant/messages.html", {"page": page, "cursor": cursor})


@router.post("/messages/{message_id}/read", dependencies=[Csrf])
async def mark_read(
    message_id: uuid.UUID, request: Request, principal: CurrentUser, session: SessionDep
) -> Response:
    await notifications_service.mark_read(session, principal, message_id)
    return redirect(request, f"/messages#message-{message_id}")
