from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.core.templates import render
from app.db import SessionDep
from app.domain.enums import Permission
from app.routers.access import StaffHome
from app.services import accounts as accounts_service
from app.services.accounts import staff as staff_service
from app.services.service_cards import cards as service_cards

router = APIRouter(prefix="/staff", tags=["staff pages"])


@router.get("", response_class=HTMLResponse)
async def staff_home(request: Request, principal: StaffHome, session: SessionDep) -> HTMLResponse:
    view = await accounts_service.account_view(session, principal)
    employers = (
        await staff_service.list_employers(session, principal)
        if principal.can(Permission.VIEW_EMPLOYERS)
        else []
    )
    cards_to_review = await service_cards.offered_to_review(session, principal)
    return render(
        request,
        "staff/home.html",
        {"account": view, "employers": employers, "cards_to_review": cards_to_review},
    )
