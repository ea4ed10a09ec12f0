"""What auditors need beyond writes: staff reads of a case (whose personal data was seen, PIPL),
refused requests with the user, and a log emptied or cut short."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import AuditEntry, Case, User
from tests import factories as f
from tests.integration.test_audit import page_login
from tests.integration.test_cases_api import staff, submitted_rent_case

pytestmark = pytest.mark.usefixtures("isolated_db")


async def _entries(
    sm: async_sessionmaker[AsyncSession],
    action: str,
    actor: uuid.UUID | None = None,
    *,
    case_id: str | None = None,
) -> list[AuditEntry]:
    """This test's entries (tests elsewhere commit theirs): by actor or by case."""
    async with sm() as session:
        stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        if actor is not None:
            stmt = stmt.where(AuditEntry.actor_user_id == actor)
        if case_id is not None:
            stmt = stmt.where(AuditEntry.object_id == case_id)
        return list((await session.execute(stmt)).scalars())


async def _user_id(client: httpx.AsyncClient, headers: dict[str, str]) -> uuid.UUID:
    me = await client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200, me.text
    return uuid.UUID(me.json()["user_id"])


class TestCaseReads:
    async def test_api_and_page_reads_name_the_reader_the_case_and_the_applicant(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, submitted = await submitted_rent_case(client, "yangpu")
        case_id = submitted["case"]["id"]
        async with sessionmaker() as session:
            case = await session.get(Case, uuid.UUID(case_id))
            assert case is not None
            applicant_id = str(case.applicant_id)
        reviewer = await staff(client, sessionmaker, "yangpu", ["reviewer"])
        reader = await _user_id(client, reviewer)

        r = await client.get(f"/api/v1/staff/cases/{case_id}", headers=reviewer)
        assert r.status_code == 200, r.text
        viewed = await _entries(sessionmaker, "case.viewed", reader)
        assert [(e.object_type, e.object_id) for e in viewed] == [("case", case_id)]
        assert viewed[0].detail == {"applicant": applicant_id}
        assert (viewed[0].district, viewed[0].actor_district) == ("yangpu", "yangpu")

        # The applicant reading their own case is not a staff read of someone's data.
        mine = await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)
        assert mine.status_code == 200, mine.text
        assert len(await _entries(sessionmaker, "case.viewed", case_id=case_id)) == 1

        email = await f.create_staff(
            sessionmaker, district="yangpu", roles=["reviewer"], department="housing"
        )
        client.cookies.clear()
        await page_login(client, email)
        page = await client.get(f"/staff/cases/{case_id}")
        assert page.status_code == 200
        page_reads = [
            e
            for e in await _entries(sessionmaker, "case.viewed", case_id=case_id)
            if e.actor_user_id != reader
        ]
        assert [(e.object_id, e.detail) for e in page_reads] == [
            (case_id, {"applicant": applicant_id})
        ]

    async def test_an_action_answered_with_the_case_is_not_counted_as_a_read(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _, submitted = await submitted_rent_case(client, "yangpu")
        case_id = submitted["case"]["id"]
        clerk = await staff(client, sessionmaker, "yangpu", ["reviewer"])
        r = await client.post(
            f"/api/v1/staff/cases/{case_id}/notes",
            headers=clerk,
            json={"body": "called the applicant", "to_applicant": False},
        )
        assert r.status_code == 201, r.text
        assert await _entries(sessionmaker, "case.viewed", case_id=case_id) == []


class TestRefusedRequests:
    async def test_refusals_are_audited_with_the_user_once_per_minute(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        applicant = await f.register_and_login(client, f.domestic_payload())
        applicant_id = uuid.UUID(applicant.account["user_id"])
        # 403: an applicant at the staff API.
        for _ in range(3):
            r = await client.get("/api/v1/staff/cases", headers=applicant.headers)
            assert r.status_code == 403
        # 404: another's (or no) case, by id.
        for _ in range(2):
            probe = f"/api/v1/cases/{uuid.uuid4()}"
            assert (await client.get(probe, headers=applicant.headers)).status_code == 404
        # 401: no sign-in at all.
        anonymous_probe = f"/api/v1/staff/cases/{uuid.uuid4()}"
        assert (await client.get(anonymous_probe)).status_code == 401

        mine = await _entries(sessionmaker, "access.refused", applicant_id)
        assert sorted((e.detail["status"], e.detail["method"]) for e in mine) == [
            (403, "GET"),
            (404, "GET"),
        ]
        forbidden = next(e for e in mine if e.detail["status"] == 403)
        assert forbidden.detail["path"] == "/api/v1/staff/cases"
        assert forbidden.detail["code"] == "forbidden"
        anonymous = [
            e
            for e in await _entries(sessionmaker, "access.refused")
            if e.actor_user_id is None and e.detail["path"] == anonymous_probe
        ]
        assert len(anonymous) == 1 and anonymous[0].detail["status"] == 401
        assert anonymous[0].detail["ip"]

    async def test_a_page_refusal_is_audited_although_the_request_rolls_back(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        clerk = await f.create_staff(sessionmaker, district="yangpu", roles=["window_clerk"])
        await page_login(client, clerk)
        assert (await client.get("/staff/audit")).status_code == 403
        async with sessionmaker() as session:
            user_id = (
                await session.execute(select(User.id).where(User.email == clerk))
            ).scalar_one()
        refused = await _entries(sessionmaker, "access.refused", user_id)
        assert [(e.detail["path"], e.actor_district) for e in refused] == [
            ("/staff/audit", "yangpu")
        ]

    async def test_the_window_reports_what_it_left_out(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from datetime import timedelta

        from app.models.base import utcnow
        from app.repositories import audit as audit_repo

        key = f"test|{uuid.uuid4()}"
        now = utcnow()
        minute = timedelta(minutes=1)
        async with sessionmaker() as session:
            opened = [
                await audit_repo.open_refusal_window(
                    session, key, now + timedelta(seconds=s), minute
                )
                for s in (0, 10, 20, 30)
            ]
            later = await audit_repo.open_refusal_window(session, key, now + 2 * minute, minute)
            await session.rollback()
        assert opened == [0, None, None, None]
        assert later == 3


class TestCutShortLog:
    def test_an_emptied_log_is_reported_by_audit_verify(self) -> None:
        """The hashes of what is left still chain when entries are removed from the end (or
        all of them); the chain head, moved by every append, says how many there were. On
        PostgreSQL TRUNCATE itself is refused; there the attacker disables the triggers."""
        import asyncio
        import os

        from sqlalchemy.ext.asyncio import create_async_engine
        from typer.testing import CliRunner

        from app.cli import cli
        from app.config import get_settings
        from app.db import make_sessionmaker
        from app.migrate import upgrade
        from app.services import audit
        from tests.dbutil import fresh_database, requested_url, sync_url

        async def write(url: str) -> None:
            engine = create_async_engine(url)
            try:
                async with make_sessionmaker(engine)() as session, session.begin():
                    for n in range(3):
                        await audit.record(session, "test.event", detail={"n": n})
            finally:
                await engine.dispose()

        async def empty(url: str, keep: int) -> None:
            engine = create_async_engine(url)
            try:
                async with make_sessionmaker(engine)() as session, session.begin():
                    if url.startswith("sqlite"):
                        await session.execute(text("DROP TRIGGER IF EXISTS audit_entry_no_delete"))
                    else:
                        await session.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER ALL"))
                    await session.execute(text(f"DELETE FROM audit_entry WHERE seq > {keep}"))
            finally:
                await engine.dispose()

        runner = CliRunner()
        saved = os.environ["TALENT_DATABASE_URL"]
        with fresh_database(requested_url()) as url:
            upgrade(sync_url(url))
            asyncio.run(write(url))
            os.environ["TALENT_DATABASE_URL"] = url
            get_settings.cache_clear()
            try:
                intact = runner.invoke(cli, ["audit", "verify"])
                asyncio.run(empty(url, keep=1))
                shortened = runner.invoke(cli, ["audit", "verify"])
                asyncio.run(empty(url, keep=0))
                emptied = runner.invoke(cli, ["audit", "verify"])
            finally:
                os.environ["TALENT_DATABASE_URL"] = saved
                get_settings.cache_clear()
        assert intact.exit_code == 0, intact.output
        assert "audit chain intact: 3 entries" in intact.output
        assert shortened.exit_code == 1
        assert "cut short: 1 entries, the chain head names 3" in shortened.output
        assert emptied.exit_code == 1, emptied.output
        assert "intact" not in emptied.output
        assert "cut short: 0 entries, the chain head names 3" in emptied.output

    @pytest.mark.shared_db("TRUNCATE takes its own lock; it is refused, so nothing is written")
    async def test_truncate_is_refused_on_postgresql(
        self, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        async with sessionmaker() as session:
            if session.get_bind().dialect.name != "postgresql":
                pytest.skip("SQLite has no TRUNCATE; audit verify finds an emptied log")
            for table in ("audit_entry", "audit_chain_head"):
                with pytest.raises(DBAPIError, match="append-only"):
                    await session.execute(text(f"TRUNCATE {table}"))
                await session.rollback()
