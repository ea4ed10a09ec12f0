"""The audit log is append-only and its hash chain detects tampering."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import AuditEntry
from app.services.audit import verify_chain
from tests import factories as f

pytestmark = pytest.mark.usefixtures("isolated_db")


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


async def _tamper(session: AsyncSession, url: str, statement: str) -> None:
    """What an attacker with database access does: drop the append-only guard, edit a row."""
    if url.startswith("sqlite"):
        await session.execute(text("DROP TRIGGER audit_entry_no_update"))
    else:
        await session.execute(
            text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
        )
    await session.execute(text(statement))


class TestDistrictOfEntries:
    async def test_entries_name_the_district_they_concern(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        """An applicant's submission and a staff member's sign-in carry the district, so the
        district's auditor sees them although no district staff acted in the first."""
        from tests.integration.test_cases_api import submitted_rent_case

        _, case = await submitted_rent_case(client, "yangpu")
        reviewer = await f.create_staff(sessionmaker, district="yangpu", roles=["reviewer"])
        await f.staff_login(client, reviewer)
        async with sessionmaker() as session:
            submitted = (
                (
                    await session.execute(
                        select(AuditEntry).where(
                            AuditEntry.object_type == "case",
                            AuditEntry.object_id == case["case"]["id"],
                        )
                    )
                )
                .scalars()
                .all()
            )
            login = (
                await session.execute(
                    select(AuditEntry)
                    .where(AuditEntry.action == "auth.login")
                    .order_by(AuditEntry.seq.desc())
                    .limit(1)
                )
            ).scalar_one()
            assert (await verify_chain(session)).ok
        assert submitted and all(e.district == "yangpu" for e in submitted)
        assert all(e.actor_district is None for e in submitted)  # the applicant acted
        assert (login.actor_district, login.district, login.hash_version) == ("yangpu",) * 2 + (2,)


async def _auditor(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], district: str
) -> dict[str, str]:
    email = await f.create_staff(
        sm, district=district, roles=["auditor"], department="talent_office"
    )
    return await f.staff_login(client, email)


class TestAuditApi:
    async def test_auditor_reads_own_district_only_with_filters_and_pages(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from tests.integration.test_cases_api import submitted_rent_case

        _, yangpu_case = await submitted_rent_case(client, "yangpu")
        _, changning_case = await submitted_rent_case(client, "changning")
        headers = await _auditor(client, sessionmaker, "yangpu")

        r = await client.get("/api/v1/admin/audit", headers=headers, params={"limit": 500})
        assert r.status_code == 200, r.text
        entries = r.json()["entries"]
        ids = {e["object_id"] for e in entries}
        assert yangpu_case["case"]["id"] in ids
        assert changning_case["case"]["id"] not in ids
        assert all("yangpu" in (e["district"], e["actor_district"]) for e in entries)

        by_case = await client.get(
            "/api/v1/admin/audit",
            headers=headers,
            params={"case_number": yangpu_case["case"]["number"]},
        )
        assert by_case.status_code == 200
        assert by_case.json()["entries"]
        assert {e["object_id"] for e in by_case.json()["entries"]} == {yangpu_case["case"]["id"]}

        other = await client.get(
            "/api/v1/admin/audit",
            headers=headers,
            params={"case_number": changning_case["case"]["number"]},
        )
        assert other.status_code == 422
        assert other.headers["content-type"].startswith("application/problem+json")

        logins = await client.get(
            "/api/v1/admin/audit", headers=headers, params={"action": "auth.login"}
        )
        assert logins.json()["entries"]
        assert {e["action"] for e in logins.json()["entries"]} == {"auth.login"}

        first = (
            await client.get("/api/v1/admin/audit", headers=headers, params={"limit": 2})
        ).json()
        assert len(first["entries"]) == 2 and first["next_before_seq"]
        second = (
            await client.get(
                "/api/v1/admin/audit",
                headers=headers,
                params={"limit": 2, "before_seq": first["next_before_seq"]},
            )
        ).json()
        assert max(e["seq"] for e in second["entries"]) < min(e["seq"] for e in first["entries"])

    async def test_date_range_is_checked_and_applied(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        headers = await _auditor(client, sessionmaker, "changning")
        backwards = await client.get(
            "/api/v1/admin/audit",
            headers=headers,
            params={"date_from": "2026-12-03", "date_to": "2026-12-01"},
        )
        assert backwards.status_code == 422
        past = await client.get(
            "/api/v1/admin/audit",
            headers=headers,
            params={"date_from": "2020-01-01", "date_to": "2020-01-31"},
        )
        assert past.status_code == 200 and past.json()["entries"] == []
        unknown = await client.get("/api/v1/admin/audit", headers=headers, params={"sort": "seq"})
        assert unknown.status_code == 422

    async def test_chain_verification_and_who_may_read(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        headers = await _auditor(client, sessionmaker, "yangpu")
        r = await client.get("/api/v1/admin/audit/verification", headers=headers)
        assert r.status_code == 200 and r.json()["ok"] is True
        # The check itself is in the log, with what it found.
        checked = (
            await client.get(
                "/api/v1/admin/audit", params={"action": "audit.chain_checked"}, headers=headers
            )
        ).json()["entries"]
        assert checked and checked[0]["detail"]["ok"] is True
        assert checked[0]["detail"]["entries"] == r.json()["entries"]
        clerk = await f.staff_login(
            client, await f.create_staff(sessionmaker, district="yangpu", roles=["window_clerk"])
        )
        admin = await f.staff_login(
            client, await f.create_staff(sessionmaker, district="yangpu", roles=["district_admin"])
        )
        for who in (clerk, admin):
            assert (await client.get("/api/v1/admin/audit", headers=who)).status_code == 403
            assert (
                await client.get("/api/v1/admin/audit/verification", headers=who)
            ).status_code == 403


async def page_login(client: httpx.AsyncClient, email: str) -> None:
    """Signs a staff member in through the login page (cookie session)."""
    import re
    import time

    import pyotp

    step = int(time.time() // 30)
    for candidate in (step, step + 1):
        page = await client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        r = await client.post(
            "/login",
            data={
                "email": email,
                "password": f.PASSWORD,
                "totp_code": pyotp.TOTP(f.TOTP_SECRET).at(candidate * 30),
                "csrf_token": token.group(1),
            },
        )
        if r.status_code == 303:
            return
    raise AssertionError(f"page login failed: {r.status_code}")


class TestAuditPage:
    async def test_auditor_reads_the_page_and_a_clerk_may_not(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from tests.integration.test_cases_api import submitted_rent_case

        _, case = await submitted_rent_case(client, "yangpu")
        client.cookies.clear()
        auditor = await f.create_staff(
            sessionmaker, district="yangpu", roles=["auditor"], department="talent_office"
        )
        await page_login(client, auditor)
        assert 'href="/staff/audit"' in (await client.get("/staff")).text
        r = await client.get("/staff/audit", params={"case_number": case["case"]["number"]})
        assert r.status_code == 200
        assert case["case"]["number"] in r.text
        # Viewing the list does not scan the whole chain; the auditor asks for the check.
        assert "Hash chain intact" not in r.text and "哈希链完整" not in r.text
        assert 'action="/staff/audit/verification"' in r.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
        assert token
        assert (
            await client.post(
                "/staff/audit/verification", data={"case_number": case["case"]["number"]}
            )
        ).status_code == 403  # no CSRF token
        async with sessionmaker() as session:
            entries = (await verify_chain(session)).entries
        checked = await client.post(
            "/staff/audit/verification",
            data={"csrf_token": token.group(1), "case_number": case["case"]["number"]},
        )
        assert checked.status_code == 200
        assert "Hash chain intact" in checked.text or "哈希链完整" in checked.text
        assert f"{entries} entries checked" in checked.text or f"已校验 {entries}" in checked.text
        assert case["case"]["number"] in checked.text  # the filtered list stays on the page
        assert "测试工作人员" in (await client.get("/staff/audit")).text  # staff actors by name
        bad = await client.get("/staff/audit", params={"date_from": "not-a-date"})
        assert bad.status_code == 422
        assert 'class="error-summary"' in bad.text

        client.cookies.clear()
        clerk = await f.create_staff(sessionmaker, district="yangpu", roles=["window_clerk"])
        await page_login(client, clerk)
        assert (await client.get("/staff/audit")).status_code == 403

    async def test_the_check_names_the_first_changed_entry(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Tampering itself is proven against a fresh database above; here the page's report."""
        from app.services import audit

        async def broken(session: AsyncSession) -> audit.ChainReport:
            return audit.ChainReport(entries=6, ok=False, first_bad_seq=7)

        auditor = await f.create_staff(
            sessionmaker, district="yangpu", roles=["auditor"], department="talent_office"
        )
        await page_login(client, auditor)
        page = await client.get("/staff/audit")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        monkeypatch.setattr(audit, "verify_chain", broken)
        assert "Hash chain broken" not in page.text and "哈希链已断裂" not in page.text
        r = await client.post("/staff/audit/verification", data={"csrf_token": token.group(1)})
        assert r.status_code == 200
        assert 'role="alert"' in r.text
        assert "Hash chain broken" in r.text or "哈希链已断裂" in r.text
        assert "7" in r.text.split("error-summary", 1)[1].split("</div>", 1)[0]


class TestVerifyCommand:
    def test_cli_reports_an_intact_chain_and_finds_a_tampered_district(self) -> None:
        """``talent-portal audit verify`` against its own database: intact, then a row moved
        to another district (out of its auditor's view) is reported with its number."""
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
                        await audit.record(
                            session, "test.event", detail={"n": n}, district="yangpu"
                        )
            finally:
                await engine.dispose()

        async def tamper(url: str) -> None:
            engine = create_async_engine(url)
            try:
                async with make_sessionmaker(engine)() as session, session.begin():
                    await _tamper(
                        session, url, "UPDATE audit_entry SET district = 'changning' WHERE seq = 2"
                    )
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
                asyncio.run(tamper(url))
                broken = runner.invoke(cli, ["audit", "verify"])
            finally:
                os.environ["TALENT_DATABASE_URL"] = saved
                get_settings.cache_clear()
        assert intact.exit_code == 0, intact.output
        assert "audit chain intact: 3 entries" in intact.output
        assert broken.exit_code == 1
        assert "audit chain broken at entry 2" in broken.output


class TestChainVersions:
    async def test_rows_written_before_districts_still_verify(self) -> None:
        """Rows from before the district columns (hash version 1) keep verifying, and the chain
        continues from them with version 2 rows that cover both districts."""
        from datetime import UTC, datetime

        from sqlalchemy.ext.asyncio import create_async_engine

        from app.db import make_sessionmaker
        from app.migrate import upgrade
        from app.models import AuditChainHead
        from app.repositories.audit import GENESIS_HASH
        from app.services import audit
        from tests.dbutil import fresh_database, requested_url, sync_url

        with fresh_database(requested_url()) as url:
            upgrade(sync_url(url))
            engine = create_async_engine(url)
            try:
                maker = make_sessionmaker(engine)
                at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
                old = audit.entry_hash(GENESIS_HASH, 1, at, None, "auth.login", None, None, {})
                async with maker() as session, session.begin():
                    session.add(
                        AuditEntry(
                            seq=1,
                            occurred_at=at,
                            actor_user_id=None,
                            actor_district="yangpu",
                            action="auth.login",
                            detail={},
                            prev_hash=GENESIS_HASH,
                            hash=old,
                            hash_version=1,
                        )
                    )
                    head = await session.get(AuditChainHead, 1)
                    assert head is not None
                    head.last_seq, head.last_hash = 1, old
                async with maker() as session, session.begin():
                    await audit.record(session, "test.event", district="changning")
                async with maker() as session:
                    report = await verify_chain(session)
                    rows = (
                        (await session.execute(select(AuditEntry).order_by(AuditEntry.seq)))
                        .scalars()
                        .all()
                    )
            finally:
                await engine.dispose()
        assert report.ok and report.entries == 2
        assert [r.hash_version for r in rows] == [1, 2]
        assert rows[1].prev_hash == old and rows[1].district == "changning"


class TestChainWrittenByTheDatabase:
    async def test_single_and_batched_entries_chain_to_the_same_hashes(self) -> None:
        """On PostgreSQL a lone entry is numbered and hashed by the statement that moves the tip
        (sha256 in SQL); several entries are hashed here. Both must give exactly the hash the
        verifier computes, whatever the entry holds (CJK, quotes, backslashes, a "seq" key)."""
        from sqlalchemy.ext.asyncio import create_async_engine

        from app.db import make_sessionmaker
        from app.migrate import upgrade
        from app.models import AuditChainHead
        from app.services import audit
        from tests.dbutil import fresh_database, requested_url, sync_url

        details: list[dict[str, object]] = [
            {},
            {"名字": "张三", "note": 'a "quoted" \\ back\\slash', "n": 3},
            {"seq": 99, "nested": {"seq": "x", "list": [1, 2.5, None, True]}},
            {"emoji": "🙂", "tab": "a\tb", "newline": "a\nb"},
        ]
        with fresh_database(requested_url()) as url:
            upgrade(sync_url(url))
            engine = create_async_engine(url)
            try:
                maker = make_sessionmaker(engine)
                for i, detail in enumerate(details):
                    async with maker() as session, session.begin():
                        await audit.record(
                            session,
                            "test.single",
                            object_type="service",
                            object_id=str(uuid.uuid4()),
                            detail=detail,
                            district="yangpu" if i % 2 else None,
                        )
                async with maker() as session, session.begin():
                    await audit.record(session, "test.batch.one", detail={"k": "v"})
                    await audit.record(session, "test.batch.two", district="changning")
                async with maker() as session, session.begin():
                    await audit.record(session, "test.after.batch", detail={"k": "后"})
                async with maker() as session:
                    report = await verify_chain(session)
                    rows = (
                        (await session.execute(select(AuditEntry).order_by(AuditEntry.seq)))
                        .scalars()
                        .all()
                    )
                    head = await session.get(AuditChainHead, 1)
            finally:
                await engine.dispose()
        assert report.ok and report.entries == len(details) + 3
        assert [r.seq for r in rows] == list(range(1, len(details) + 4))
        assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
        assert head is not None and head.last_seq == rows[-1].seq
        assert head.last_hash == rows[-1].hash and head.prev_hash == rows[-2].hash

    def test_the_halves_around_the_sequence_number_rebuild_the_hash(self) -> None:
        import hashlib
        from datetime import UTC, datetime

        from app.services import audit

        item: dict[str, object] = {
            "occurred_at": datetime(2026, 12, 6, 3, 30, tzinfo=UTC),
            "actor_user_id": uuid.uuid4(),
            "actor_district": "yangpu",
            "district": "yangpu",
            "action": "case.submitted",
            "object_type": "case",
            "object_id": str(uuid.uuid4()),
            "detail": {"seq": "\x00seq\x00", "名字": "张三"},
        }
        before, after = audit.hash_halves(item, 2)
        prev = "ab" * 32
        for seq in (1, 9, 10, 123456789):
            expected = audit.entry_hash(
                prev,
                seq,
                item["occurred_at"],  # type: ignore[arg-type]
                item["actor_user_id"],  # type: ignore[arg-type]
                "case.submitted",
                "case",
                item["object_id"],  # type: ignore[arg-type]
                item["detail"],  # type: ignore[arg-type]
                version=2,
                actor_district="yangpu",
                district="yangpu",
            )
            rebuilt = hashlib.sha256((prev + before + str(seq) + after).encode()).hexdigest()
            assert rebuilt == expected
