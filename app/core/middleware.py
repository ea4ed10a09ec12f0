"""One pure-ASGI middleware: request id, language choice, security headers and an access log."""

from __future__ import annotations

import logging
import re
import time
import uuid
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import ACCESS_LOGGER, request_id_var
from app.core.problems import server_error_response
from app.i18n import LANGUAGES, negotiate

log = logging.getLogger(ACCESS_LOGGER)
log_errors = logging.getLogger("app.errors")
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
LANG_COOKIE = "lang"

_CSP = (
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def choose_language(scope: Scope, default: str) -> str:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if (requested := query.get("lang", [None])[0]) in LANGUAGES:
        return str(requested)
    cookie_header = _header(scope, b"cookie")
    if cookie_header:
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(cookie_header)
        except Exception:  # a malformed cookie header must not break the page
            cookie = SimpleCookie()
        if LANG_COOKIE in cookie and cookie[LANG_COOKIE].value in LANGUAGES:
            return cookie[LANG_COOKIE].value
    return negotiate(_header(scope, b"accept-language"), default)


class PortalMiddleware:
    def __init__(self, app: ASGIApp, *, default_language: str, hsts: bool) -> None:
        self.app = app
        self.default_language = default_language
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["lang"] = choose_language(scope, self.default_language)
        path: str = scope["path"]
        started = time.perf_counter()
        status_holder = {"status": 500}
        started_response = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started_response
            if message["type"] == "http.response.start":
                started_response = True
                status_holder["status"] = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "same-origin"
                headers["Content-Security-Policy"] = _CSP
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
                headers["Content-Language"] = state["lang"]
                if self.hsts:
                    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
                if not path.startswith("/static/"):
                    # Personal data must not linger in shared or browser caches.
                    headers["Cache-Control"] = "no-store"
                    headers.append("Vary", "Cookie, Accept-Language")
            await send(message)

        try:
            try:
                await self.app(scope, receive, send_wrapper)
            except Exception:
                # Handled here rather than by Starlette's outermost handler, so the log line
                # carries the request id and the error page gets the same headers as any other.
                log_errors.exception("unhandled error")
                if started_response:
                    raise  # half a response is out; the server can only drop the connection
                await server_error_response(Request(scope))(scope, receive, send_wrapper)
        finally:
            principal = state.get("principal")
            log.info(
                "request",
                extra={
                    "user_id": str(principal.user_id) if principal is not None else None,
                    "method": scope.get("method"),
                    "path": path,
                    "status": status_holder["status"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)
