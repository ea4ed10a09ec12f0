"""The audit log is append-only and its hash chain detects tampering."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import AuditEntry
from app.services.audit import verify_chain
from tests import factories as f


class TestAuditLog:
    async def test_logins_are_audited_and_the_chain_verifies(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        async with sessionmaker() as session:
            report = await verify_chain(session)
            actions = (
                (
                    await session.execute(
                        select(AuditEntry.action).where(
                            AuditEntry.actor_user_id == uuid.UUID(user.account["user_id"])
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert report.ok
        assert report.entries >= 2
        assert "auth.login" in actions

    async def test_rows_cannot_be_updated_or_deleted(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        await f.register_and_login(client, f.domestic_payload())
        for statement in (
            "UPDATE audit_entry SET action = 'forged'",
            "DELETE FROM audit_entry",
        ):
            async with sessionmaker() as session:
                with pytest.raises(DBAPIError, match="append-only"):
                    await session.execute(text(statement))
                await session.rollback()

    async def test_a_changed_row_breaks_the_chain(self) -> None:
        """An attacker with database access who drops the trigger and edits a row is caught."""
        from sqlalchemy.ext.asyncio import create_async_engine

        from app.db import make_sessionmaker
        from app.migrate import upgrade
        from app.services import audit
        from tests.dbutil import fresh_database, requested_url, sync_url

        with fresh_database(requested_url()) as url:
            upgrade(sync_url(url))
            engine = create_async_engine(url)
            try:
                maker = make_sessionmaker(engine)
                async with maker() as session, session.begin():
                    for n in range(3):
                        await audit.record(session, "test.event", detail={"n": n})
                async with maker() as session, session.begin():
                    assert (await verify_chain(session)).ok
                    if url.startswith("sqlite"):
                        await session.execute(text("DROP TRIGGER audit_entry_no_update"))
                    else:
                        await session.execute(
                            text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
                        )
                    await session.execute(
                        text("UPDATE audit_entry SET action = 'test.forged' WHERE seq = 2")
                    )
                async with maker() as session:
                    report = await verify_chain(session)
            finally:
                await engine.dispose()
        assert not report.ok
        assert report.first_bad_seq == 2
