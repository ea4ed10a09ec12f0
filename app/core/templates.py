"""Jinja2 rendering with the request's language, the caller and a CSRF token in every page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from app.config import PROJECT_ROOT, get_settings
from app.core.access import secure_cookies as secure_cookies
from app.core.csrf import csrf_cookie, csrf_token
from app.core.names import name_lang
from app.core.navigation import header_navigation, staff_administration
from app.core.times import in_language, local_day, local_text, local_time
from app.domain import labels
from app.domain.enums import Permission
from app.i18n import gettext
from app.rules import Provenance, country_choices
from app.rules.explain import country_name

templates = Jinja2Templates(directory=PROJECT_ROOT / "templates")
templates.env.globals["quote"] = quote
# Every time shown to a person is in Shanghai time, through these two filters (app/core/times.py).
templates.env.filters["local_time"] = local_time
templates.env.filters["local_day"] = local_day
templates.env.filters["local_text"] = local_text
# Policy articles are written "中文 / English"; a page shows its own language's half.
templates.env.filters["in_language"] = in_language
templates.env.filters["name_lang"] = name_lang
templates.env.globals["labels"] = labels.ALL
# Country questions offer names, never ISO codes; the value sent is the code.
templates.env.globals["country_choices"] = country_choices
templates.env.filters["country"] = country_name
# A person's language by its own name, as the language switch shows it, whatever the reader's.
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


def language_name(code: str) -> Markup:
    """Marked with its own language, so a screen reader says "中文" right on an English page
    (WCAG 3.1.2)."""
    name = LANGUAGE_NAMES.get(code)
    if name is None:
        return Markup.escape(code)
    return Markup('<span lang="{}">{}</span>').format(code, name)


templates.env.globals["language_name"] = language_name
templates.env.globals["options"] = lambda values: [
    (v["value"], v["label"], v.get("hint")) for v in values
]
# Pages show links by what the caller may open, never by role names (see app/core/navigation.py).
templates.env.globals["header_navigation"] = header_navigation
templates.env.globals["staff_administration"] = staff_administration
templates.env.globals["Permission"] = Permission
# Pages ask whether a value is an assumption (``spec.status is assumed``) instead of comparing
# the word; the vocabulary is the rules' own.
templates.env.tests["assumed"] = lambda value: value == Provenance.ASSUMED


def language(request: Request) -> str:
    return str(getattr(request.state, "lang", get_settings().default_language))


def translator(lang: str) -> Any:
    def _(message: str, **params: Any) -> str:
        return gettext(lang, message, params or None)

    return _


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    lang = language(request)
    full: dict[str, Any] = {
        "_": translator(lang),
        "lang": lang,
        "other_lang": "en" if lang == "zh" else "zh",
        "principal": getattr(request.state, "principal", None),
        "csrf_token": csrf_token(request),
        "current_path": request.url.path,
        "errors": [],
        "values": {},
    }
    full.update(context or {})
    response = templates.TemplateResponse(request, name, full, status_code=status_code)
    apply_cookies(request, response)
    return response


def apply_cookies(request: Request, response: Response) -> None:
    """Writes cookies that the request decided on (CSRF seed) to whichever response goes out."""
    if getattr(request.state, "set_csrf_cookie", False):
        response.set_cookie(
            csrf_cookie(),
            request.state.csrf_seed,
            httponly=True,
            samesite="lax",
            secure=secure_cookies(),
            path="/",
        )


def redirect(request: Request, url: str) -> RedirectResponse:
    """Post/Redirect/Get: 303 so a refresh never re-submits the form."""
    response = RedirectResponse(url, status_code=303)
    apply_cookies(request, response)
    return response
