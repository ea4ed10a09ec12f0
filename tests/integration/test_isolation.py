"""The isolated_db fixture: what one test writes through the app is gone in the next, on
SQLite and PostgreSQL alike; within a test, the app's commits and rollbacks work as usual."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from app.models.accounts import User
from tests import factories as f
from tests.dbutil import OverlappingSessions

pytestmark = pytest.mark.usefixtures("isolated_db")

# Written by the first test, looked for by the second (pytest runs them in this order).
PAYLOAD = f.domestic_payload()


async def _users_named(sm: async_sessionmaker[AsyncSession], email: str) -> int:
    async with sm() as session:
        found = await session.execute(select(func.count()).where(User.email == email))
        return int(found.scalar_one())


class TestOneTestsRowsAreGoneInTheNext:
    async def test_writes_commit_and_fail_as_usual_within_the_test(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        await f.register_and_login(client, PAYLOAD)
        assert await _users_named(sessionmaker, PAYLOAD["email"]) == 1
        # A request that fails rolls back its own work only: the account above stays. (A
        # taken ID number alone no longer fails visibly: issue 14, item 9.)
        twin = f.domestic_payload(id_number=PAYLOAD["id_number"], password="12345678")
        again = await client.post("/api/v1/auth/register", json=twin)
        assert again.status_code == 422, again.text
        assert await _users_named(sessionmaker, twin["email"]) == 0
        assert await _users_named(sessionmaker, PAYLOAD["email"]) == 1
        await f.login(client, PAYLOAD["email"], PAYLOAD["password"])
        staff = await f.create_staff(sessionmaker, district="yangpu", roles=["reviewer"])
        assert await _users_named(sessionmaker, staff) == 1

    async def test_the_previous_tests_account_is_gone(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        database_url: str,
    ) -> None:
        assert await _users_named(sessionmaker, PAYLOAD["email"]) == 0
        # Never committed: a connection of another engine does not find it either.
        engine = create_async_engine(database_url)
        try:
            outside = async_sessionmaker(engine)
            assert await _users_named(outside, PAYLOAD["email"]) == 0
        finally:
            await engine.dispose()
        # The unique email and ID number are free again.
        await f.register_and_login(client, PAYLOAD)

    async def test_two_sessions_open_at_once_are_refused(
        self, sessionmaker: async_sessionmaker[AsyncSession], isolated_db: list[str]
    ) -> None:
        async with sessionmaker() as first:
            await first.execute(select(1))
            with pytest.raises(OverlappingSessions):
                async with sessionmaker() as second:
                    await second.execute(select(1))
        # The fixture fails any test where this happened; here it was on purpose.
        assert len(isolated_db) == 1
        isolated_db.clear()


@pytest.mark.shared_db(reason="looks at the app's sessionmaker as the other tests leave it")
async def test_the_apps_sessionmaker_is_restored(app: FastAPI) -> None:
    maker = app.state.sessionmaker
    assert maker.kw["bind"] is app.state.engine
    assert "join_transaction_mode" not in maker.kw and "sync_session_class" not in maker.kw
