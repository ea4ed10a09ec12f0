"""Request bodies are read in full, bounded in size and time, before the application sees them.

Pure ASGI and placed outside everything that authenticates or opens a transaction: a client that
trickles its body (or never ends a chunked one) holds a socket and a spool file here, not a
database connection or SQLite's write lock. The limit is checked on the bytes as they arrive,
so a chunked body without Content-Length is refused as soon as it crosses the limit, like one
that declares too much. The application then reads the spooled copy.
"""

from __future__ import annotations

import asyncio
import re
import time
from tempfile import SpooledTemporaryFile

from fastapi.routing import iter_route_contexts
from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.core.problems import problem_response
from app.core.uploads import ACCEPTS_FILES
from app.errors import AppError, PayloadTooLarge, RequestTimedOut, RequestTooLarge

# Boundaries and the small text fields around an uploaded file.
MULTIPART_SLACK = 64 * 1024
_CHUNK = 64 * 1024
_IN_MEMORY = 1024 * 1024  # spooled bodies above this go to a temporary file


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value)
    return None


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.upload_max = settings.upload_max_bytes
        self.body_max = settings.body_max_bytes
        self.upload_timeout = settings.upload_read_timeout_seconds
        self.body_timeout = settings.body_read_timeout_seconds
        # Read from the application's routes on the first multipart request.
        self._upload_routes: list[tuple[re.Pattern[str], set[str]]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is None and _header(scope, b"transfer-encoding") is None:
            await self.app(scope, receive, send)  # HTTP/1.1: no body at all
            return
        content_type = (_header(scope, b"content-type") or b"").lower()
        if content_type.startswith(b"multipart/form-data") and self._takes_files(scope):
            limit = self.upload_max + MULTIPART_SLACK
            timeout = self.upload_timeout
            too_large: AppError = PayloadTooLarge(params={"max_mb": self.upload_max // 2**20})
        else:
            limit, timeout = self.body_max, self.body_timeout
            too_large = RequestTooLarge(params={"max_kb": self.body_max // 1024})
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._refuse(scope, receive, send, too_large)
            return
        with SpooledTemporaryFile(max_size=_IN_MEMORY) as spool:
            deadline = time.monotonic() + timeout
            size = 0
            more = True
            while more:
                try:
                    message = await asyncio.wait_for(receive(), deadline - time.monotonic())
                except TimeoutError:
                    seconds = round(timeout)
                    await self._refuse(
                        scope, receive, send, RequestTimedOut(params={"seconds": seconds})
                    )
                    return
                if message["type"] == "http.disconnect":
                    return  # the client left; nobody to answer
                chunk: bytes = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    await self._refuse(scope, receive, send, too_large)
                    return
                spool.write(chunk)
                more = message.get("more_body", False)
            spool.seek(0)
            await self.app(scope, _replay(spool, size, receive), send)

    def _takes_files(self, scope: Scope) -> bool:
        """Whether the route the request is for declares that it takes files (an
        ``openapi_extra`` with :data:`~app.core.uploads.ACCEPTS_FILES`)."""
        if self._upload_routes is None:
            # FastAPI keeps included routers nested: walk them for the full paths.
            self._upload_routes = [
                (compile_path(context.path)[0], set(context.methods or ()))
                for context in iter_route_contexts(getattr(scope.get("app"), "routes", []))
                if context.path is not None
                and (getattr(context.route, "openapi_extra", None) or {}).get(ACCEPTS_FILES)
            ]
        path, method = scope.get("path", ""), scope.get("method", "")
        return any(
            method in methods and regex.match(path) for regex, methods in self._upload_routes
        )

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, error: AppError) -> None:
        # The rest of the body is not read: the server closes the connection after the answer.
        error.headers["Connection"] = "close"
        await problem_response(Request(scope), error)(scope, receive, send)


def _replay(spool: SpooledTemporaryFile[bytes], size: int, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()  # after the body: the client's disconnect, when it comes
        data = spool.read(_CHUNK)
        sent = spool.tell() >= size
        return {"type": "http.request", "body": data, "more_body": not sent}

    return replay
