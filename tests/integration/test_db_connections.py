"""Pooled PostgreSQL connections: one the server dropped while it sat idle is replaced before a
request uses it; one dropped a moment after use fails that one statement, and the pool renews
itself for the next (the database restarting under load)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.db import make_engine
from tests.dbutil import requested_url

pytestmark = pytest.mark.skipif(
    requested_url().startswith("sqlite"), reason="the connection pool is PostgreSQL's"
)


async def _pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


def _terminate(engine: AsyncEngine, pid: int) -> None:
    admin = make_url(str(engine.url.render_as_string(hide_password=False))).set(
        drivername="postgresql"
    )
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
        assert c.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)


@pytest.fixture
async def engine_for(database_url: str) -> AsyncIterator[dict[float, AsyncEngine]]:
    engines: dict[float, AsyncEngine] = {}
    yield engines
    for engine in engines.values():
        await engine.dispose()


def _engine(engines: dict[float, AsyncEngine], url: str, idle_seconds: float) -> AsyncEngine:
    settings = Settings(database_url=url, db_ping_after_idle_seconds=idle_seconds, db_pool_size=1)
    engines[idle_seconds] = make_engine(settings)
    return engines[idle_seconds]


class TestIdleConnections:
    async def test_a_connection_dropped_while_idle_is_replaced_before_use(
        self, engine_for: dict[float, AsyncEngine], database_url: str
    ) -> None:
        engine = _engine(engine_for, database_url, 0.0)  # every returned connection is "idle"
        first = await _pid(engine)
        _terminate(engine, first)
        second = await _pid(engine)  # the ping fails, the pool hands out a new connection
        assert second != first

    async def test_a_connection_dropped_right_after_use_fails_once_then_the_pool_renews(
        self, engine_for: dict[float, AsyncEngine], database_url: str
    ) -> None:
        engine = _engine(engine_for, database_url, 3600.0)  # never pinged
        first = await _pid(engine)
        _terminate(engine, first)
        with pytest.raises(DBAPIError) as failed:
            await _pid(engine)
        assert failed.value.connection_invalidated
        assert await _pid(engine) != first


class TestFullPool:
    async def test_a_request_that_cannot_get_a_connection_is_503_not_500(
        self, database_url: str
    ) -> None:
        """Every pooled connection busy (1 + 1 overflow here, held by other work): a request
        waits db_pool_timeout_seconds, then is answered 503 with Retry-After, nothing done."""
        import httpx

        from app.config import get_settings
        from app.main import create_app

        settings = get_settings().model_copy(
            update={
                "database_url": database_url,
                "db_pool_size": 1,
                "db_pool_timeout_seconds": 0.3,
            }
        )
        app = create_app(settings)
        engine: AsyncEngine = app.state.engine
        held = [await engine.connect(), await engine.connect()]
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                r = await client.get("/api/v1/services", params={"district": "changning"})
            assert r.status_code == 503, r.text
            assert r.headers["retry-after"] == "2"
            assert r.json()["code"] == "database_unavailable"
        finally:
            for conn in held:
                await conn.close()
            await engine.dispose()


class TestPoolSize:
    async def test_every_admitted_request_keeps_a_pooled_connection(
        self, engine_for: dict[float, AsyncEngine], database_url: str
    ) -> None:
        """Requests beyond the pool's size get overflow connections, opened for one request and
        closed on return (a backend forked, statements prepared again): the pool is at least
        as large as the number of requests the shedder admits at once."""
        settings = Settings(database_url=database_url, db_pool_size=2, max_concurrent_requests=6)
        engine = engine_for[-1.0] = make_engine(settings)
        held = [await engine.connect() for _ in range(6)]
        pids = [int((await c.execute(text("SELECT pg_backend_pid()"))).scalar_one()) for c in held]
        for c in held:
            await c.close()
        # All six went back to the pool, none was closed: the same backends serve again.
        again = [await engine.connect() for _ in range(6)]
        try:
            reused = {
                int((await c.execute(text("SELECT pg_backend_pid()"))).scalar_one()) for c in again
            }
        finally:
            for c in again:
                await c.close()
        assert reused == set(pids)
        assert engine.pool.size() == 6  # type: ignore[attr-defined]
        # The budget of 2 x db_pool_size a worker is not exceeded for it: no overflow here.
        assert engine.pool._max_overflow == 0  # type: ignore[attr-defined]

    async def test_the_connection_budget_stays_twice_the_configured_pool(
        self, engine_for: dict[float, AsyncEngine], database_url: str
    ) -> None:
        """deploy/docker-compose.yml's default: a pool of 8 and 10 requests admitted; a worker
        keeps 10 and may open 6 more, 16 = 2 x 8, as the deployment's connection budget says."""
        settings = Settings(database_url=database_url, db_pool_size=8, max_concurrent_requests=10)
        engine = engine_for[-3.0] = make_engine(settings)
        assert engine.pool.size() == 10  # type: ignore[attr-defined]
        assert engine.pool._max_overflow == 6  # type: ignore[attr-defined]

    async def test_the_configured_pool_size_holds_when_larger(
        self, engine_for: dict[float, AsyncEngine], database_url: str
    ) -> None:
        settings = Settings(database_url=database_url, db_pool_size=12, max_concurrent_requests=4)
        engine = engine_for[-2.0] = make_engine(settings)
        assert engine.pool.size() == 12  # type: ignore[attr-defined]
