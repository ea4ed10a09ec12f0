"""Load shedding: a worker serves a bounded number of requests at once and answers the rest
503 with Retry-After within moments, instead of queueing them for as long as the backlog lasts.

Without a bound, every request that arrives is started: under more load than the cores carry,
each one waits on the event loop, then on the database pool (db_pool_timeout_seconds), and
all of them finish late together, so clients time out and retry onto a longer queue. Here a
request waits at most ``wait_seconds`` for one of ``limit`` slots; one that gets none is
answered at once, cheaply (no template, no database), and its retry is served when a slot is
free. The slot is held until the response has been sent.

Pure ASGI, inside PortalMiddleware (the answer has its request id, language and security
headers) and inside the body limit (a client still sending its body holds no slot). Liveness
and readiness probes and static files are never shed: an overloaded worker is alive, and a
probe refused under load would take every busy worker out of rotation at once.
"""

from __future__ import annotations

import asyncio
from html import escape

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.problems import problem_response
from app.errors import Overloaded
from app.i18n import LANGUAGES, N_, gettext

NEVER_SHED = ("/healthz", "/readyz")
_RETRY = N_("Try again")


def _page(first: str, retry_href: str | None) -> bytes:
    """The page a browser gets: both languages, the visitor's first, each marked with its
    language; no template rendering, so it costs the busy worker next to nothing."""
    order = [first, *(lang for lang in LANGUAGES if lang != first)]
    title = " / ".join(gettext(lang, Overloaded.title) for lang in order)
    parts = []
    for n, lang in enumerate(order):
        heading = "h1" if n == 0 else "h2"
        retry = gettext(lang, _RETRY)
        link = f' <a href="{escape(retry_href)}">{escape(retry)}</a>' if retry_href else ""
        parts.append(
            f'<section lang="{lang}"><{heading}>{escape(gettext(lang, Overloaded.title))}'
            f"</{heading}><p>{escape(gettext(lang, Overloaded.default_detail or ''))}{link}</p>"
            "</section>"
        )
    return (
        f'<!doctype html><html lang="{first}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body><main>{''.join(parts)}</main></body></html>"
    ).encode()


class LoadShedMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int, wait_seconds: float, retry_after: int) -> None:
        self.app = app
        self.limit = limit
        self.wait_seconds = wait_seconds
        self.retry_after = retry_after
        self._slots = asyncio.Semaphore(limit) if limit > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        slots = self._slots
        if (
            slots is None
            or scope["type"] != "http"
            or scope["path"] in NEVER_SHED
            or scope["path"].startswith("/static/")
        ):
            await self.app(scope, receive, send)
            return
        if not await self._admit(slots):
            await self._shed(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()

    async def _admit(self, slots: asyncio.Semaphore) -> bool:
        if not slots.locked():
            await slots.acquire()  # a free slot: returns without suspending
            return True
        if self.wait_seconds <= 0:
            return False
        try:
            async with asyncio.timeout(self.wait_seconds):
                await slots.acquire()
        except TimeoutError:
            return False
        return True

    async def _shed(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        error = Overloaded(self.retry_after)
        if scope["path"].startswith("/api/"):
            await problem_response(request, error)(scope, receive, send)
            return
        lang = str(scope.get("state", {}).get("lang") or LANGUAGES[0])
        query = scope.get("query_string", b"").decode("latin-1")
        # A page asked for again is the retry; a form post is retried from the browser's back.
        href = scope["path"] + (f"?{query}" if query else "") if scope["method"] == "GET" else None
        body = _page(lang, href)
        await send(
            {
                "type": "http.response.start",
                "status": error.status_code,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(self.retry_after).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
