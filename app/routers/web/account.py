from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.core.templates import render
from app.db import SessionDep
from app.routers.access import CurrentUser
from app.services import accounts as accounts_service

router = APIRouter(tags=["pages"])


@router.get("/account", response_class=HTMLResponse)
async def account(request: Request, principal: CurrentUser, session: SessionDep) -> HTMLResponse:
    view = await accounts_service.account_view(session, principal)
    consents = await accounts_service.consent_history(session, principal)
    return render(
        request,
        "applicant/account.html",
        {
            "account": view,
            "consents": consents,
            "registered": "registered" in request.query_params,
            "password_changed": "password_changed" in request.query_params,
        },
    )
