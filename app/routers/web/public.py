from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.core.csrf import csrf_protect
from app.core.forms import FormPage, shown_on
from app.core.middleware import LANG_COOKIE
from app.core.ratelimit import RateLimit
from app.core.templates import language, redirect, render, secure_cookies
from app.db import SessionDep
from app.i18n import LANGUAGES
from app.routers.access import PublicPage
from app.services import cases as cases_service
from app.services import catalog as catalog_service

router = APIRouter(tags=["pages"])


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths, so the switch cannot be used as an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, principal: PublicPage, session: SessionDep) -> HTMLResponse:
    services = await catalog_service.list_services(session, language(request))
    # One card per service, naming the districts that offer it.
    cards: dict[str, dict[str, object]] = {}
    for s in services:
        card = cards.setdefault(s.code, {"service": s, "districts": []})
        card["districts"].append(s.district)  # type: ignore[attr-defined]
    return render(request, "public/home.html", {"cards": list(cards.values())})


@router.get("/lang/{code}")
async def switch_language(
    code: str, request: Request, principal: PublicPage, next: str = "/"
) -> RedirectResponse:
    # Only the cookie changes: a GET must not write to the database (a cross-site image could
    # trigger it). The account's message language is set from the API (PUT /api/v1/me/language).
    lang = code if code in LANGUAGES else "zh"
    response = redirect(request, safe_next(next))
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(),
    )
    return response


@router.get("/privacy", response_class=HTMLResponse)
async def privacy(request: Request, principal: PublicPage) -> HTMLResponse:
    return render(request, "public/privacy.html")


@router.get(
    "/status",
    response_class=HTMLResponse,
    dependencies=[Depends(RateLimit("status", "rate_limit_public"))],
)
async def status_page(
    request: Request,
    principal: PublicPage,
    session: SessionDep,
    number: str | None = None,
    code: str | None = None,
) -> HTMLResponse:
    """Case status without signing in. The receipt's QR code fills in both fields."""
    if number and code:
        return await _lookup(request, session, number, code)
    return render(request, "public/status.html", {"values": {"number": number or ""}})


@router.post(
    "/status",
    dependencies=[Depends(csrf_protect), Depends(RateLimit("status", "rate_limit_public"))],
)
async def status_lookup(
    request: Request,
    principal: PublicPage,
    session: SessionDep,
    number: Annotated[str, Form(max_length=30)] = "",
    code: Annotated[str, Form(max_length=20)] = "",
) -> HTMLResponse:
    return await _lookup(request, session, number, code)


async def _lookup(request: Request, session: SessionDep, number: str, code: str) -> HTMLResponse:
    lang = language(request)
    with shown_on(FormPage("public/status.html", {"values": {"number": number}}, status_code=404)):
        status = await cases_service.public_status(session, number, code, lang)
    return render(request, "public/status.html", {"status": status, "values": {"number": number}})
