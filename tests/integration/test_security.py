"""Encryption at rest, headers, error rendering, CSRF and rate limits."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests import factories as f


def _crashing_app(path: str) -> FastAPI:
    """A production-mode portal (so HSTS is on) with one route that raises."""
    from fastapi import Depends

    from app.config import Environment, get_settings
    from app.core.access import public_api
    from app.main import create_app

    settings = get_settings().model_copy(update={"environment": Environment.PRODUCTION})
    crashing = create_app(settings)

    @crashing.get(path, dependencies=[Depends(public_api)])
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    return crashing


@contextlib.contextmanager
def _json_log() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Captures what the portal's JSON log handler writes, parsed line by line."""
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous, handler.stream = handler.stream, stream
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        handler.stream = previous


async def _dump(database_url: str, sessionmaker: async_sessionmaker[AsyncSession]) -> bytes:
    if database_url.startswith("sqlite"):
        # The main file plus its write-ahead log hold every committed byte.
        path = database_url.split("///", 1)[1]
        files = [Path(path), Path(path + "-wal")]
        return b"".join(p.read_bytes() for p in files if p.exists())
    url = make_url(database_url)
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed for the plaintext check"
    result = subprocess.run(
        [
            pg_dump,
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            "--data-only",
            url.database or "",
        ],
        check=True,
        capture_output=True,
    )
    return result.stdout


class TestEncryptionAtRest:
    async def test_database_dump_has_no_plaintext_id_or_passport(
        self,
        client: httpx.AsyncClient,
        database_url: str,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        domestic = f.domestic_payload()
        overseas = f.overseas_payload()
        await f.register_and_login(client, domestic)
        await f.register_and_login(client, overseas)
        dump = await _dump(database_url, sessionmaker)
        assert domestic["email"].encode() in dump  # the dump really holds the new rows
        assert domestic["id_number"].encode() not in dump
        assert overseas["passport_number"].encode() not in dump
        assert (
            domestic["id_number"][6:14].encode() + domestic["id_number"][14:].encode() not in dump
        )


class TestHeadersAndErrors:
    async def test_security_headers_on_pages(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/")
        assert r.status_code == 200
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert "default-src 'self'" in r.headers["content-security-policy"]
        # QR codes are inline SVG; nothing needs data: URIs, which would widen the policy.
        assert "data:" not in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["x-request-id"]
        assert '<meta charset="utf-8">' in r.text

    def test_no_template_or_static_file_relies_on_data_uris(self) -> None:
        from app.config import PROJECT_ROOT

        users = [
            str(path.relative_to(PROJECT_ROOT))
            for folder in ("templates", "static")
            for path in (PROJECT_ROOT / folder).rglob("*")
            if path.suffix in {".html", ".css", ".js", ".svg"}
            and "data:" in path.read_text("utf-8", errors="replace")
        ]
        assert users == [], "the CSP allows no data: URIs"

    async def test_unknown_api_route_is_problem_json(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/api/v1/nothing-here", headers={"Accept-Language": "en"})
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["title"] == "Not found"

    async def test_unknown_page_is_a_bilingual_page(self, client: httpx.AsyncClient) -> None:
        r = await client.get("/nothing-here", headers={"Accept-Language": "zh-CN"})
        assert r.status_code == 404
        assert "页面不存在" in r.text

    @pytest.mark.parametrize("path", ["/api/v1/_boom", "/_boom"])
    async def test_a_crash_shows_no_stack_trace(self, database_url: str, path: str) -> None:
        crashing = _crashing_app(path)
        transport = httpx.ASGITransport(app=crashing, raise_app_exceptions=False)
        with _json_log() as lines:
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                r = await c.get(
                    path, headers={"Accept-Language": "en", "X-Request-ID": "crash-0001"}
                )
        assert r.status_code == 500
        assert "secret internal detail" not in r.text
        assert "Traceback" not in r.text
        assert "Sorry, there is a problem with the service" in r.text
        assert "crash-0001" in r.text  # quoted so the visitor can report it
        # The crash answer carries the same protection as every other response.
        assert r.headers["X-Request-ID"] == "crash-0001"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
        crashes = [line for line in lines() if line["message"] == "unhandled error"]
        assert len(crashes) == 1
        assert crashes[0]["request_id"] == "crash-0001"
        assert "RuntimeError" in crashes[0]["exc_info"]

    async def test_under_uvicorn_a_crash_is_logged_once_as_json(self, database_url: str) -> None:
        import asyncio
        import socket

        import uvicorn

        crashing = _crashing_app("/_boom")
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(crashing, log_config=None, lifespan="off", access_log=False)
        )
        with _json_log() as lines:
            task = asyncio.create_task(server.serve(sockets=[sock]))
            try:
                while not server.started:
                    await asyncio.sleep(0.01)
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
                    r = await c.get("/_boom", headers={"X-Request-ID": "crash-0002"})
            finally:
                server.should_exit = True
                await task
                sock.close()
        assert r.status_code == 500
        assert r.headers["X-Request-ID"] == "crash-0002"
        assert r.headers["Cache-Control"] == "no-store"
        errors = [line for line in lines() if line["level"] in ("ERROR", "CRITICAL")]
        # One JSON line with the request id; no second plain-text traceback from uvicorn.
        assert [(e["message"], e["request_id"]) for e in errors] == [
            ("unhandled error", "crash-0002")
        ]

    def test_serve_hands_uvicorn_logging_to_the_json_handler(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import uvicorn
        from typer.testing import CliRunner

        from app.cli import cli
        from app.core import logging as portal_logging

        seen: dict[str, Any] = {}
        monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
        # The real one would point the root handler at the runner's soon-closed stderr.
        monkeypatch.setattr(
            portal_logging, "configure_logging", lambda level: seen.update(level=level)
        )
        result = CliRunner().invoke(cli, ["serve", "--port", "8999"])
        assert result.exit_code == 0, result.output
        assert seen["log_config"] is None
        assert seen["access_log"] is False
        assert seen["level"]  # our JSON handler is installed before uvicorn starts

    async def test_healthz_and_readyz(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["database"] is True


class TestNoPersonalDataInLogs:
    async def test_a_failed_insert_logs_no_parameter_values(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from sqlalchemy.exc import IntegrityError

        from app.models import User

        email = f.unique_email("leak")

        def user() -> User:
            return User(email=email, password_hash="x", kind="applicant", language="zh")

        async with sessionmaker() as session, session.begin():
            session.add(user())
        with _json_log() as lines:
            with pytest.raises(IntegrityError) as caught:
                async with sessionmaker() as session, session.begin():
                    session.add(user())
            logging.getLogger("app.test").error("insert failed", exc_info=caught.value)
        logged = json.dumps(lines(), ensure_ascii=False)
        assert "insert failed" in logged
        assert "SQL parameters hidden" in logged
        assert "IntegrityError" in logged
        # PostgreSQL repeats the value in its own message (DETAIL: Key (email)=(...)).
        assert email not in logged


class TestCsrf:
    async def test_form_post_without_token_is_refused(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/login", data={"email": "a@b.cn", "password": "x"})
        assert r.status_code == 403
        assert "表单已失效" in r.text or "form has expired" in r.text


class TestRateLimit:
    async def test_login_burst_gets_429_with_retry_after(
        self, app: FastAPI, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from app.config import get_settings
        from app.core import ratelimit

        monkeypatch.setattr(get_settings(), "rate_limit_login", "3/minute")
        ratelimit.reset_rate_limits()
        transport = httpx.ASGITransport(app=app, client=(f"10.9.{uuid.uuid4().int % 250}.1", 1))
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                codes = []
                for _ in range(4):
                    r = await c.post(
                        "/api/v1/auth/login", json={"email": "x@y.cn", "password": "whatever1"}
                    )
                    codes.append(r.status_code)
            assert codes == [401, 401, 401, 429]
            assert int(r.headers["retry-after"]) >= 1
            assert r.json()["code"] == "rate_limited"
        finally:
            ratelimit.reset_rate_limits()


class TestProductionMode:
    async def test_hsts_and_no_api_docs_in_production(self, database_url: str) -> None:
        import base64
        import os

        from app.config import Environment, Settings
        from app.main import create_app
        from tests.unit.test_settings_and_crypto import HTTPS_OUTSIDE_SYSTEMS

        settings = Settings(
            environment=Environment.PRODUCTION,
            database_url=database_url,
            secret_key="p" * 40,
            data_key=base64.b64encode(os.urandom(32)).decode(),
            blind_index_key="q" * 40,
            **HTTPS_OUTSIDE_SYSTEMS,
        )
        prod = create_app(settings)
        transport = httpx.ASGITransport(app=prod)
        async with httpx.AsyncClient(transport=transport, base_url="https://t") as c:
            r = await c.get("/healthz")
            assert r.headers["strict-transport-security"].startswith("max-age=31536000")
            assert (await c.get("/api/docs")).status_code == 404
            assert (await c.get("/api/openapi.json")).status_code == 404
