"""Access declarations. Every route depends on exactly one of these; a test walks all routes.

The marks live here; the dependencies that resolve the caller through the accounts service are
in app.routers.access, so core stays free of services and sessions.

The caller comes from the page cookie (pages) or the bearer token (``/api``), never both, so a
cookie cannot be used to drive the API from another site.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

from app.config import get_settings

ACCESS_ATTR = "__access__"


F = TypeVar("F", bound=Callable[..., Any])


def mark(level: str) -> Callable[[F], F]:
    """Declares the access level a dependency grants (read by ``access_level``)."""

    def deco(fn: F) -> F:
        setattr(fn, ACCESS_ATTR, level)
        return fn

    return deco


def secure_cookies() -> bool:
    settings = get_settings()
    return settings.is_production or settings.base_url.startswith("https://")


def cookie_name(name: str) -> str:
    """Over https a cookie is named ``__Host-<name>``: browsers then accept it only with Secure,
    Path=/ and no Domain, so a sibling subdomain or a plain-http page cannot plant or shadow it.
    Plain http (development, tests) cannot carry the prefix, so the name is ``tp_<name>``."""
    return f"__Host-{name}" if secure_cookies() else f"tp_{name}"


def session_cookie() -> str:
    return cookie_name("session")


def caller_token(request: Request) -> tuple[str | None, str]:
    """The caller's session token and its kind: the bearer token under /api, else the cookie."""
    if request.url.path.startswith("/api/"):
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        return (value.strip() if scheme.lower() == "bearer" and value.strip() else None), "api"
    return request.cookies.get(session_cookie()), "web"


@mark("public")
async def public_api() -> None:
    """Anyone, no session lookup (public JSON such as eligibility checks and health)."""


def access_level(call: Any) -> str | None:
    return getattr(call, ACCESS_ATTR, None)
