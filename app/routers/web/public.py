from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.core.access import PublicPage
from app.core.middleware import LANG_COOKIE
from app.core.templates import language, redirect, render, secure_cookies
from app.db import SessionDep
from app.i18n import LANGUAGES
from app.services import accounts as accounts_service
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
    code: str, request: Request, session: SessionDep, principal: PublicPage, next: str = "/"
) -> RedirectResponse:
    lang = code if code in LANGUAGES else "zh"
    if principal is not None:
        await accounts_service.set_language(session, principal, lang)
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
