"""The read-replica setting (TALENT_DATABASE_READ_URL): the case queue and the indicator pages
read from the second database, everything else (sign-in, the caller, writes) stays on the
primary, and nothing can be written through the replica's sessions.

The "replica" is a second database made by Alembic like the primary, holding rows the primary
lacks (a submitted case, an indicator refresh), so an answer that shows them was read there.
On PostgreSQL it is a second database on the same server; on SQLite a second file.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from app.config import Settings
from app.main import create_app
from app.migrate import upgrade
from app.models.accounts import User
from app.models.indicators import IndicatorRefresh
from app.services.calendar import sync_from_package
from app.services.catalog import load_shipped_catalog
from tests import factories as f
from tests.dbutil import fresh_database, requested_url, sync_url
from tests.integration.test_cases_api import staff, submitted_rent_case

# A refresh time no other test writes: an answer that carries it was read from the replica.
MARKER_REFRESH = datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def replica_url(database_url: str) -> Iterator[str]:
    with fresh_database(requested_url()) as url:
        upgrade(sync_url(url))
        yield url


async def _close(application: FastAPI) -> None:
    # ASGITransport runs no lifespan, so the engines the app made are disposed here.
    await application.state.engine.dispose()
    if application.state.read_engine is not None:
        await application.state.read_engine.dispose()


@pytest.fixture(scope="module")
async def replica_only(replica_url: str) -> AsyncIterator[FastAPI]:
    """The portal on the replica database alone: it puts the marker rows there."""
    application = create_app(Settings(database_url=replica_url))
    async with application.state.sessionmaker() as session, session.begin():
        await load_shipped_catalog(session)
        await sync_from_package(session)
        session.add(
            IndicatorRefresh(district="changning", refreshed_at=MARKER_REFRESH, trigger="schedule")
        )
    yield application
    await _close(application)


@pytest.fixture(scope="module")
async def with_replica(replica_url: str, app: FastAPI) -> AsyncIterator[FastAPI]:
    """The portal on the suite's primary database with the replica as its read database."""
    primary = app.state.settings.database_url
    application = create_app(Settings(database_url=primary, database_read_url=replica_url))
    assert application.state.read_sessionmaker is not None
    yield application
    await _close(application)


def _client(application: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=application), base_url="http://testserver"
    )


async def _users_named(application: FastAPI, email: str, *, replica: bool) -> int:
    maker = application.state.read_sessionmaker if replica else application.state.sessionmaker
    async with maker() as session:
        stmt = select(func.count()).select_from(User).where(User.email == email)
        return int((await session.execute(stmt)).scalar_one())


async def test_queue_reads_the_replica_and_writes_go_to_the_primary(
    replica_only: FastAPI, with_replica: FastAPI, client: httpx.AsyncClient, app: FastAPI
) -> None:
    async with _client(replica_only) as on_replica:
        _, marker = await submitted_rent_case(on_replica, "changning")
    marker_id = marker["case"]["id"]

    async with _client(with_replica) as portal:
        # Signing in writes a session: it is on the primary, where the plain app finds it.
        officer = await staff(portal, app.state.sessionmaker, "changning", ["reviewer"])
        queue = await portal.get("/api/v1/staff/cases", headers=officer, params={"limit": 200})
        assert queue.status_code == 200, queue.text
        assert marker_id in {item["id"] for item in queue.json()["items"]}

        # A registration through the same portal is written to the primary, not the replica.
        payload = f.domestic_payload()
        r = await portal.post("/api/v1/auth/register", json=payload)
        assert r.status_code == 202, r.text
    assert await _users_named(with_replica, payload["email"], replica=False) == 1
    assert await _users_named(with_replica, payload["email"], replica=True) == 0

    # The same officer's token works on the plain app (one primary), whose queue is the
    # primary's: the replica's case is not there.
    plain = await client.get("/api/v1/staff/cases", headers=officer, params={"limit": 200})
    assert plain.status_code == 200, plain.text
    assert marker_id not in {item["id"] for item in plain.json()["items"]}


async def test_indicator_pages_read_the_replica(
    replica_only: FastAPI, with_replica: FastAPI, client: httpx.AsyncClient
) -> None:
    def changning_refresh(board: dict[str, object]) -> object:
        districts = board["districts"]
        assert isinstance(districts, list)
        return next(d["last_refresh"] for d in districts if d["district"] == "changning")

    async with _client(with_replica) as portal:
        board = await portal.get("/api/v1/indicators")
        page = await portal.get("/indicators", params={"lang": "en"})
        csv = await portal.get("/indicators.csv")
    assert board.status_code == page.status_code == csv.status_code == 200
    refreshed = datetime.fromisoformat(str(changning_refresh(board.json())))
    assert refreshed == MARKER_REFRESH
    assert "2031-01-02" in page.text  # shown in Shanghai time: 11:04 the same day

    on_primary = changning_refresh((await client.get("/api/v1/indicators")).json())
    assert on_primary is None or datetime.fromisoformat(str(on_primary)) != MARKER_REFRESH
    primary_page = await client.get("/indicators", params={"lang": "en"})
    assert "2031-01-02" not in primary_page.text


async def test_nothing_is_written_through_the_replica(with_replica: FastAPI) -> None:
    async with with_replica.state.read_sessionmaker() as session:
        session.add(
            IndicatorRefresh(
                id=uuid.uuid4(), district="yangpu", refreshed_at=MARKER_REFRESH, trigger="x"
            )
        )
        with pytest.raises(DBAPIError, match="(?i)read-only|readonly"):
            await session.flush()


def test_an_empty_read_url_means_no_replica() -> None:
    assert Settings(database_read_url="").database_read_url is None
    assert create_app(Settings()).state.read_sessionmaker is None
