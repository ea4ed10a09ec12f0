"""The outbox worker against real channels on loopback: JSON files, an SMTP server (aiosmtpd),
an HTTP SMS gateway; retries with backoff, leases, parallel claims, and a worker process killed
mid-batch."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import respx
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clients.settings import NotificationSettings
from app.clients.sms import SmsGatewayClient, SmsGatewayError
from app.config import PROJECT_ROOT, get_settings
from app.models import OutboxMessage
from app.models.base import utcnow
from app.repositories import notifications as repo
from app.tasks.outbox import (
    backoff,
    deliver_due,
    runs_inprocess,
    start_inprocess_worker,
    stop_inprocess_worker,
)
from tests.support import outbox as ob
from tests.support.sms_gateway import SmsGateway, running_gateway
from tests.support.smtp_sink import SmtpSink, running_sink

pytestmark = pytest.mark.usefixtures("isolated_db")

Maker = async_sessionmaker[AsyncSession]


@pytest.fixture
def gateway() -> Iterator[SmsGateway]:
    with running_gateway() as gw:
        yield gw


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with running_sink() as sink:
        yield sink


@pytest.fixture
def sms_on() -> Iterator[None]:
    with ob.env(notify_sms_enabled="true"):
        yield


def channel_settings(
    gateway: SmsGateway | None = None, smtp: SmtpSink | None = None, **extra: object
) -> NotificationSettings:
    values: dict[str, object] = {"notify_sms_enabled": True}
    if gateway is not None:
        values |= {"notify_sms_transport": "gateway", "sms_gateway_url": gateway.url}
    if smtp is not None:
        values |= {"notify_email_transport": "smtp", "smtp_host": smtp.host, "smtp_port": smtp.port}
    return NotificationSettings(**(values | extra))  # type: ignore[arg-type]


async def reset_to_pending(sessionmaker: Maker, message_id: uuid.UUID) -> None:
    """Makes a sent message due again, as if its worker died before recording the outcome."""
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status="pending", sent_at=None, locked_until=None)
        )


async def mobile_of(sessionmaker: Maker, user_id: uuid.UUID) -> str:
    async with sessionmaker() as session:
        contact = await repo.contact_for(session, user_id)
    assert contact is not None and contact.mobile
    return contact.mobile


async def wait_for(
    check: Callable[[], object], seconds: float, what: str, every: float = 0.1
) -> None:
    # SQLite reads here start with BEGIN IMMEDIATE too (app.db), so polling is kept gentle.
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


class TestChannels:
    async def test_files_by_default_one_file_per_outbox_id(
        self, client: httpx.AsyncClient, sessionmaker: Maker, sms_on: None
    ) -> None:
        user = await ob.applicant(client, language="en")
        rows = await ob.enqueue(sessionmaker, ob.user_id(user), language="en")
        by_channel = {m.channel: m.id for m in rows}
        report = await deliver_due(sessionmaker, batch=500, settings=channel_settings())
        assert report.sent >= 3
        states = await ob.outbox_rows(sessionmaker, by_channel.values())
        assert {m.status for m in states.values()} == {"sent"}
        assert all(m.sent_at is not None and m.attempts == 1 for m in states.values())

        outbox_dir = get_settings().outbox_dir
        email = json.loads((outbox_dir / f"{by_channel['email']}.json").read_text())
        assert email["to"] == user.email and email["channel"] == "email"
        assert email["subject"] == "Application accepted: YP-2026-000123"
        assert "Talent apartment" in email["body"] and "2026-12-01" in email["body"]
        sms = json.loads((outbox_dir / f"{by_channel['sms']}.json").read_text())
        assert sms["to"].startswith("139") and sms["body"].startswith("Your application")
        [inapp] = await ob.inapp_for(sessionmaker, [by_channel["inapp"]])
        assert inapp.subject == email["subject"] and inapp.user_id == ob.user_id(user)
        assert inapp.created_at == states[by_channel["inapp"]].created_at

        # Redelivery (a crash before the outcome was recorded) replaces, never adds.
        before = sorted(p.name for p in outbox_dir.glob("*.json"))
        for message_id in by_channel.values():
            await reset_to_pending(sessionmaker, message_id)
        await deliver_due(sessionmaker, batch=500, settings=channel_settings())
        assert sorted(p.name for p in outbox_dir.glob("*.json")) == before
        assert len(await ob.inapp_for(sessionmaker, [by_channel["inapp"]])) == 1

    async def test_smtp_with_message_id_from_the_outbox_id(
        self, client: httpx.AsyncClient, sessionmaker: Maker, smtp: SmtpSink
    ) -> None:
        user = await ob.applicant(client, language="en")
        [email] = await ob.enqueue(
            sessionmaker, ob.user_id(user), channels=["email"], language="en"
        )
        await deliver_due(sessionmaker, batch=500, settings=channel_settings(smtp=smtp))
        # (The registration's confirmation link went to the same address.)
        [got] = [m for m in smtp.messages if m["X-Talent-Outbox-Id"] == str(email.id)]
        assert got["Message-ID"] == f"<{email.id}@talent.example.gov.cn>"
        assert got["X-Talent-Outbox-Id"] == str(email.id)
        assert got["Subject"] == "Application accepted: YP-2026-000123"
        assert got["From"] == "Talent Services Portal <noreply@talent.example.gov.cn>"
        assert got["Content-Language"] == "en"
        content = got.get_content()
        assert "2026-12-01" in content and "Please do not reply" in content

        await reset_to_pending(sessionmaker, email.id)
        await deliver_due(sessionmaker, batch=500, settings=channel_settings(smtp=smtp))
        twice = [m["Message-ID"] for m in smtp.messages if m["X-Talent-Outbox-Id"] == str(email.id)]
        assert twice == [got["Message-ID"]] * 2  # a redelivery is recognisable as the same mail

    async def test_sms_gateway_gets_the_outbox_id_as_idempotency_key(
        self, client: httpx.AsyncClient, sessionmaker: Maker, gateway: SmsGateway, sms_on: None
    ) -> None:
        user = await ob.applicant(client)
        [sms] = await ob.enqueue(sessionmaker, ob.user_id(user), channels=["sms"])
        await deliver_due(sessionmaker, batch=500, settings=channel_settings(gateway=gateway))
        [hit] = [h for h in gateway.hits if h.key == str(sms.id)]
        assert hit.body["to"] == await mobile_of(sessionmaker, ob.user_id(user))
        assert hit.body["reference"] == str(sms.id)
        assert "YP-2026-000123" in hit.body["text"] and "2026年12月1日" in hit.body["text"]
        assert (await ob.outbox_rows(sessionmaker, [sms.id]))[sms.id].status == "sent"

    @respx.mock
    async def test_gateway_client_sorts_answers_into_retry_and_final(self) -> None:
        url = "https://sms.example.test/send"
        route = respx.post(url)
        message_id = uuid.uuid4()
        async with httpx.AsyncClient(timeout=1) as http:
            client = SmsGatewayClient(http, url=url, token="s3cret")
            route.respond(201, json={"id": "gw-1"})
            receipt = await client.send(message_id=message_id, mobile="13900000000", text="hi")
            assert receipt.gateway_message_id == "gw-1"
            sent = route.calls.last.request
            assert sent.headers["idempotency-key"] == str(message_id)
            assert sent.headers["authorization"] == "Bearer s3cret"
            for status, permanent in ((429, False), (409, False), (503, False), (400, True)):
                route.respond(status)
                with pytest.raises(SmsGatewayError) as caught:
                    await client.send(message_id=message_id, mobile="13900000000", text="hi")
                assert caught.value.permanent is permanent, status
            route.side_effect = httpx.ConnectTimeout("slow")
            with pytest.raises(SmsGatewayError) as caught:
                await client.send(message_id=message_id, mobile="13900000000", text="hi")
            assert caught.value.permanent is False


class TestRetries:
    async def test_exponential_backoff_then_failed_after_max_attempts(
        self, client: httpx.AsyncClient, sessionmaker: Maker, gateway: SmsGateway, sms_on: None
    ) -> None:
        user = await ob.applicant(client)
        [sms] = await ob.enqueue(sessionmaker, ob.user_id(user), channels=["sms"])
        cfg = channel_settings(gateway=gateway, outbox_max_attempts=3, outbox_backoff_seconds=30)
        assert [backoff(cfg, n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
        # The gateway cannot reach this number for now: 503 every time.
        gateway.fail_for[await mobile_of(sessionmaker, ob.user_id(user))] = 503
        t0 = utcnow()

        await deliver_due(sessionmaker, batch=500, now=t0, settings=cfg)
        row = (await ob.outbox_rows(sessionmaker, [sms.id]))[sms.id]
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.next_attempt_at == t0 + timedelta(seconds=30)
        assert row.locked_until is None and "503" in (row.last_error or "")

        await deliver_due(sessionmaker, batch=500, now=t0 + timedelta(seconds=29), settings=cfg)
        assert (await ob.outbox_rows(sessionmaker, [sms.id]))[sms.id].attempts == 1  # not due

        t1 = t0 + timedelta(seconds=30)
        await deliver_due(sessionmaker, batch=500, now=t1, settings=cfg)
        row = (await ob.outbox_rows(sessionmaker, [sms.id]))[sms.id]
        assert (row.status, row.attempts) == ("pending", 2)
        assert row.next_attempt_at == t1 + timedelta(seconds=60)

        await deliver_due(sessionmaker, batch=500, now=t1 + timedelta(seconds=60), settings=cfg)
        row = (await ob.outbox_rows(sessionmaker, [sms.id]))[sms.id]
        assert (row.status, row.attempts) == ("failed", 3)

        await deliver_due(sessionmaker, batch=500, now=t0 + timedelta(hours=9), settings=cfg)
        assert [h.key for h in gateway.hits].count(str(sms.id)) == 3

    async def test_a_refused_address_fails_at_once_a_busy_one_is_retried(
        self, client: httpx.AsyncClient, sessionmaker: Maker, smtp: SmtpSink
    ) -> None:
        refused = await ob.applicant(client)
        busy = await ob.applicant(client)
        smtp.refuse = {
            refused.email: "550 5.1.1 No such mailbox",
            busy.email: "451 4.3.0 Try again later",
        }
        [a] = await ob.enqueue(sessionmaker, ob.user_id(refused), channels=["email"])
        [b] = await ob.enqueue(sessionmaker, ob.user_id(busy), channels=["email"])
        await deliver_due(sessionmaker, batch=500, settings=channel_settings(smtp=smtp))
        rows = await ob.outbox_rows(sessionmaker, [a.id, b.id])
        assert (rows[a.id].status, rows[a.id].attempts) == ("failed", 1)
        assert "550" in (rows[a.id].last_error or "")
        assert (rows[b.id].status, rows[b.id].attempts) == ("pending", 1)


class TestClaims:
    async def test_a_lease_hides_a_claimed_message_until_it_runs_out(
        self, client: httpx.AsyncClient, sessionmaker: Maker
    ) -> None:
        user = await ob.applicant(client)
        [msg] = await ob.enqueue(sessionmaker, ob.user_id(user), channels=["inapp"])
        cfg = channel_settings()
        now = utcnow()
        lease = now + timedelta(seconds=cfg.outbox_lease_seconds)
        # A worker claims the whole backlog and dies without reporting back.
        async with sessionmaker() as session, session.begin():
            claimed = await repo.claim_due(
                session, now=now, lease=lease, limit=10_000, max_attempts=cfg.outbox_max_attempts
            )
        assert msg.id in {c.id for c in claimed}
        await deliver_due(sessionmaker, batch=500, now=now + timedelta(seconds=1), settings=cfg)
        assert (await ob.outbox_rows(sessionmaker, [msg.id]))[msg.id].status == "pending"
        later = lease + timedelta(seconds=1)
        await deliver_due(sessionmaker, batch=500, now=later, settings=cfg)
        row = (await ob.outbox_rows(sessionmaker, [msg.id]))[msg.id]
        assert (row.status, row.attempts) == ("sent", 2)

    @pytest.mark.shared_db(
        reason="parallel workers claim with SKIP LOCKED in transactions of their own"
    )
    async def test_parallel_workers_never_take_the_same_message(
        self, client: httpx.AsyncClient, sessionmaker: Maker, sms_on: None
    ) -> None:
        users = [ob.user_id(await ob.applicant(client)) for _ in range(2)]
        ids: list[uuid.UUID] = []
        for n in range(12):
            rows = await ob.enqueue(sessionmaker, users[n % 2], channels=["sms"])
            ids.append(rows[0].id)
        with running_gateway(delay_seconds=0.02) as gw:
            cfg = channel_settings(gateway=gw)
            reports = await asyncio.gather(
                *(deliver_due(sessionmaker, batch=4, settings=cfg) for _ in range(4))
            )
            await deliver_due(sessionmaker, batch=500, settings=cfg)
            counts = Counter(gw.idempotency_keys())
        assert sum(r.claimed for r in reports) >= 12
        assert all(counts[str(i)] == 1 for i in ids), counts
        rows = await ob.outbox_rows(sessionmaker, ids)
        assert {r.status for r in rows.values()} == {"sent"}


class TestRunners:
    @pytest.mark.shared_db(
        reason="the worker polls in a background task beside the test's own sessions"
    )
    async def test_inprocess_worker_delivers_and_stops(
        self, app: FastAPI, client: httpx.AsyncClient, sessionmaker: Maker
    ) -> None:
        assert runs_inprocess(get_settings(), channel_settings()) == get_settings().is_sqlite
        cfg = channel_settings(outbox_worker="inprocess", outbox_poll_seconds=0.05)
        assert await start_inprocess_worker(app, settings=cfg)
        try:
            user = await ob.applicant(client)
            [msg] = await ob.enqueue(sessionmaker, ob.user_id(user), channels=["inapp"])

            async def sent() -> bool:
                rows = await ob.outbox_rows(sessionmaker, [msg.id])
                return rows[msg.id].status == "sent"

            await wait_for(sent, 10, "the in-process worker")
        finally:
            await stop_inprocess_worker(app)
        assert getattr(app.state, "outbox_runner", None) is None


def _worker_env(database_url: str, outbox_dir: Path, gateway_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALENT_")}
    env |= {
        "TALENT_ENVIRONMENT": "test",
        "TALENT_LOG_LEVEL": "WARNING",
        "TALENT_DATABASE_URL": database_url,
        "TALENT_OUTBOX_DIR": str(outbox_dir),
        "TALENT_NOTIFY_SMS_ENABLED": "true",
        "TALENT_NOTIFY_SMS_TRANSPORT": "gateway",
        "TALENT_SMS_GATEWAY_URL": gateway_url,
        "TALENT_SMS_GATEWAY_TIMEOUT_SECONDS": "2",
        "TALENT_SMTP_TIMEOUT_SECONDS": "2",
        "TALENT_OUTBOX_LEASE_SECONDS": "3",
        "TALENT_OUTBOX_BATCH_SIZE": "10",
        "TALENT_OUTBOX_POLL_SECONDS": "0.2",
    }
    return env


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "app.tasks"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _stop(proc: subprocess.Popen[bytes], sig: int) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class TestKilledWorker:
    @pytest.mark.shared_db(reason="a worker process of its own must read the committed messages")
    async def test_killed_mid_batch_then_restarted_loses_and_repeats_nothing(
        self,
        client: httpx.AsyncClient,
        sessionmaker: Maker,
        database_url: str,
        tmp_path: Path,
        sms_on: None,
    ) -> None:
        users = [ob.user_id(await ob.applicant(client)) for _ in range(3)]
        ids: dict[str, set[uuid.UUID]] = {"inapp": set(), "email": set(), "sms": set()}
        for n in range(18):
            for row in await ob.enqueue(sessionmaker, users[n % 3]):
                ids[row.channel].add(row.id)
        everything = set().union(*ids.values())
        sms_keys = {str(i) for i in ids["sms"]}
        outbox_dir = tmp_path / "outbox"
        log = tmp_path / "worker.log"

        # Every SMS takes 0.1 s at the gateway, so the kill lands while one is in flight.
        with running_gateway(delay_seconds=0.1) as gw:
            env = _worker_env(database_url, outbox_dir, gw.url)
            first = _start_worker(env, log)
            try:
                await wait_for(
                    lambda: sms_keys & set(gw.idempotency_keys()), 40, "the first SMS", every=0.01
                )
            finally:
                _stop(first, signal.SIGKILL)
            in_flight = {
                row.id
                for row in (await ob.outbox_rows(sessionmaker, everything)).values()
                if row.status == "pending" and row.locked_until is not None
            }
            assert in_flight, "the worker was not killed mid-batch"
            assert sms_keys & set(gw.idempotency_keys()) <= {str(i) for i in in_flight} | {
                str(r.id)
                for r in (await ob.outbox_rows(sessionmaker, ids["sms"])).values()
                if r.status == "sent"
            }

            second = _start_worker(env, log)
            try:

                async def all_sent() -> bool:
                    rows = await ob.outbox_rows(sessionmaker, everything)
                    return all(r.status == "sent" for r in rows.values())

                await wait_for(all_sent, 40, "the restarted worker to deliver everything")
            except AssertionError:
                raise AssertionError(log.read_text(errors="replace")[-4000:]) from None
            finally:
                _stop(second, signal.SIGTERM)
            hits = Counter(k for k in gw.idempotency_keys() if k in sms_keys)

        rows = await ob.outbox_rows(sessionmaker, everything)
        assert {r.status for r in rows.values()} == {"sent"}
        # SMS: every message reached the gateway; a repeat carries the same idempotency key, and
        # only a message that was in flight at the kill can have one.
        assert set(hits) == sms_keys
        repeated = {k for k, n in hits.items() if n > 1}
        assert repeated <= {str(i) for i in in_flight}
        # Email went to files named by outbox id: one complete file per message, no others.
        files = {p.stem: json.loads(p.read_text()) for p in outbox_dir.glob("*.json")}
        assert {str(i) for i in ids["email"]} <= set(files)
        assert not set(files) & (sms_keys | {str(i) for i in ids["inapp"]})
        assert all(doc["id"] == name for name, doc in files.items())
        # In-app: exactly one message-centre entry per outbox row.
        inapp = await ob.inapp_for(sessionmaker, ids["inapp"])
        assert sorted(m.outbox_id for m in inapp) == sorted(ids["inapp"])
