"""Item 6 of issue 14, the head of a request: the request line and headers are bounded in size
and in time by the server protocol `talent-portal serve` runs (app/core/http_protocol.py), on a
real uvicorn on loopback, before any of the app's code."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from app.config import get_settings
from app.core.http_protocol import BoundedHttpToolsProtocol
from tests.integration.test_request_bodies import report, serving


async def _exchange(host: str, port: int, head: bytes, wait: float) -> tuple[bytes, float]:
    """Send ``head`` (and nothing more), then read what comes back within ``wait`` seconds."""
    reader, writer = await asyncio.open_connection(host, port)
    started = time.perf_counter()
    writer.write(head)
    await writer.drain()
    try:
        answer = await asyncio.wait_for(reader.read(4096), timeout=wait)
    except TimeoutError:
        answer = b""
    took = time.perf_counter() - started
    writer.close()
    return answer, took


@pytest.fixture
def small_heads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "max_request_head_bytes", 8 * 1024)
    monkeypatch.setattr(get_settings(), "request_head_timeout_seconds", 1.0)


@pytest.mark.usefixtures("small_heads")
class TestRequestHeads:
    async def test_headers_over_the_limit_are_431_and_a_normal_request_still_works(
        self, app: FastAPI
    ) -> None:
        async with serving(app, http=BoundedHttpToolsProtocol) as (host, port):
            filler = "x" * (12 * 1024)
            big = f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nX-Filler: {filler}\r\n\r\n"
            answer, _ = await _exchange(host, port, big.encode(), wait=5)
            normal = f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
            after, _ = await _exchange(host, port, normal.encode(), wait=5)
        assert answer.startswith(b"HTTP/1.1 431"), answer[:80]
        assert after.startswith(b"HTTP/1.1 200"), after[:80]

    async def test_a_stalled_head_is_408_at_the_deadline(self, app: FastAPI) -> None:
        async with serving(app, http=BoundedHttpToolsProtocol) as (host, port):
            # The slowloris pattern: a head begun and never finished.
            started = f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nX-Slow: 1"
            answer, took = await _exchange(host, port, started.encode(), wait=5)
        report(f"a stalled request head with a 1 s deadline: {answer[:12]!r} after {took:.1f} s")
        assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
        assert took < 3

    async def test_a_silent_connection_is_closed_at_the_deadline(self, app: FastAPI) -> None:
        async with serving(app, http=BoundedHttpToolsProtocol) as (host, port):
            reader, writer = await asyncio.open_connection(host, port)
            started = time.perf_counter()
            data = await asyncio.wait_for(reader.read(4096), timeout=5)
            took = time.perf_counter() - started
            writer.close()
        assert data.startswith(b"HTTP/1.1 408") and took < 3

    async def test_the_serve_command_runs_the_bounded_protocol(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from typer.testing import CliRunner

        from app.cli import cli
        from app.core import logging as portal_logging

        seen: dict[str, Any] = {}
        monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
        monkeypatch.setattr(portal_logging, "configure_logging", lambda level: None)
        assert CliRunner().invoke(cli, ["serve"]).exit_code == 0
        assert seen["http"] is BoundedHttpToolsProtocol
