"""uvicorn's httptools protocol with the request head bounded in size and in time.

httptools (llhttp) and uvicorn set no limit on a request line plus headers, and no deadline for
sending them: one client could send megabytes of headers, or one header byte every few seconds
and hold the connection for ever (slowloris). Both happen before any ASGI code runs, so the
bounds live here, in the protocol the server speaks:

- the request line and headers together may not exceed ``max_head_bytes`` (431 otherwise);
- they must arrive within ``head_timeout_seconds`` of the connection opening, or of the
  previous response on a kept-alive connection (408 otherwise).

Bodies are bounded by :mod:`app.core.bodies` once the head is in.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.config import get_settings


class _HeadTooLarge(Exception):
    pass


def _response(status: bytes, message: str) -> bytes:
    body = message.encode("utf-8")
    return b"".join(
        [
            b"HTTP/1.1 " + status + b"\r\n",
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]
    )


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """Named by import path in ``talent-portal serve``; each worker reads the bounds from its
    own settings (TALENT_MAX_REQUEST_HEAD_BYTES, TALENT_REQUEST_HEAD_TIMEOUT_SECONDS)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self.max_head_bytes = settings.max_request_head_bytes
        self.head_timeout_seconds = settings.request_head_timeout_seconds
        self._head_bytes = 0
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_clock()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_clock()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        # httptools wraps an exception raised in a callback as a parse error, which uvicorn
        # answers 400: a head refused for its size is answered 431 instead.
        if self._head_bytes > self.max_head_bytes:
            self._refuse(
                b"431 Request Header Fields Too Large",
                "请求头过大 / The request headers are too large.",
            )
        else:
            super().send_400_response(msg)

    def on_message_begin(self) -> None:
        self._head_bytes = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._stop_head_clock()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # The next request on a kept-alive connection gets the same deadline for its head.
        if not self.transport.is_closing():
            self._start_head_clock()

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.max_head_bytes:
            raise _HeadTooLarge

    def _start_head_clock(self) -> None:
        self._stop_head_clock()
        self._head_timer = self.loop.call_later(self.head_timeout_seconds, self._head_too_slow)

    def _stop_head_clock(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        # An idle kept-alive connection is uvicorn's keep-alive timeout's to close, silently;
        # only a head that has started and stalled gets an answer.
        if self._head_bytes or self.cycle is None or self.cycle.response_complete:
            self._refuse(b"408 Request Timeout", "请求超时 / The request took too long to arrive.")

    def _refuse(self, status: bytes, message: str) -> None:
        self._stop_head_clock()
        if not self.transport.is_closing():
            self.transport.write(_response(status, message))
            self.transport.close()
