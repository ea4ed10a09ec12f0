from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from app.core.access import PublicPage
from app.core.middleware import LANG_COOKIE
from app.core.templates import redirect, render, secure_cookies
from app.db import SessionDep
from app.i18n import LANGUAGES
from app.services import accounts as accounts_service
from app.services.catalog import SERVICES

router = APIRouter(tags=["pages"])


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths, so the switch cannot be used as an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, principal: PublicPage) -> HTMLResponse:
    return render(request, "public/home.html", {"services": SERVICES})


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
