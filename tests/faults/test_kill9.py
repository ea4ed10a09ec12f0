"""SIGKILL of the web server while submissions and a payment-cycle computation are half-way
through their transactions, and of the outbox worker half-way through a batch: after a
restart every acknowledged write is there exactly once, nothing is half-written, and the
outbox delivers everything."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests import factories as f
from tests.faults.conftest import (
    Process,
    TableLock,
    app_backends_gone,
    libpq,
    outbox_worker,
    portal_env,
    report,
)
from tests.integration.test_cases_api import new_draft, rent_documents, staff
from tests.integration.test_subsidies import approve, enrol

pytestmark = pytest.mark.timeout(120)


async def ready_draft(client: httpx.AsyncClient) -> tuple[f.ApiUser, str]:
    """An applicant with a complete rent-subsidy draft, not yet submitted."""
    user, draft = await new_draft(client, "changning", "rent_subsidy")
    answers = f.renting_returnee_profile(employer_district="changning")
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}", headers=user.headers, json={"answers": answers}
    )
    assert r.status_code == 200, r.text
    docs = await rent_documents(client, user)
    r = await client.patch(
        f"/api/v1/applications/{draft['id']}", headers=user.headers, json={"documents": docs}
    )
    assert r.status_code == 200, r.text
    return user, draft["id"]


async def submit(base: str, user: f.ApiUser, draft: str, key: str) -> httpx.Response | None:
    """One submission on a connection of its own; None when the server never answered."""
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:
            return await c.post(
                f"/api/v1/applications/{draft}/submit",
                headers={**user.headers, "Idempotency-Key": key},
                json={"declaration": True, "sensitive_consent": True},
            )
    except httpx.TransportError:
        return None


def rows(database_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq(database_url)) as conn:
        return list(conn.execute(sql, params).fetchall())


async def test_kill9_during_submissions(
    portal: tuple[Process, str], database_url: str, http: httpx.AsyncClient
) -> None:
    server, base = portal
    drafts = [await ready_draft(http) for _ in range(12)]
    keys = {draft: uuid.uuid4().hex for _, draft in drafts}
    acknowledged: dict[str, str] = {}  # idempotency key -> case id the client was given

    def ledger(draft: str, r: httpx.Response | None) -> None:
        if r is not None and r.status_code == 201:
            case_id = r.json()["case"]["id"]
            assert acknowledged.setdefault(keys[draft], case_id) == case_id
        elif r is not None:
            raise AssertionError(f"submission answered {r.status_code}: {r.text}")

    for user, draft in drafts[:4]:
        ledger(draft, await submit(base, user, draft, keys[draft]))
    # Four submissions stop inside their transactions (the case number counter is locked),
    # then the server dies under them.
    in_flight = drafts[4:8]
    with TableLock(database_url, "case_counter") as lock:
        pending = [
            asyncio.create_task(submit(base, user, draft, keys[draft])) for user, draft in in_flight
        ]
        await asyncio.to_thread(lock.waiting, len(in_flight))
        server.kill9()
    answered = await asyncio.gather(*pending)
    assert all(r is None for r in answered), "the killed server cannot have answered"
    await asyncio.to_thread(app_backends_gone, database_url)
    half_written = rows(
        database_url,
        "SELECT count(*) FROM application WHERE idempotency_key = ANY(%s)",
        [keys[d] for _, d in in_flight],
    )[0][0]
    assert half_written == 0

    server.start()
    # The client retries what was never answered with the same keys, sends the rest, and
    # repeats two answered ones: a retry after a lost answer must return the same case.
    for user, draft in drafts[4:]:
        ledger(draft, await submit(base, user, draft, keys[draft]))
    for user, draft in drafts[:2]:
        r = await submit(base, user, draft, keys[draft])
        assert r is not None and r.status_code == 201 and r.json()["replayed"] is True
        ledger(draft, r)

    stored = rows(
        database_url,
        "SELECT a.idempotency_key, c.id::text, a.status FROM application a"
        " JOIN service_case c ON c.application_id = a.id WHERE a.idempotency_key = ANY(%s)",
        list(keys.values()),
    )
    by_key: dict[str, list[str]] = {}
    for key, case_id, status in stored:
        by_key.setdefault(key, []).append(case_id)
        assert status == "submitted"
    assert all(len(cases) == 1 for cases in by_key.values()), "a key opened two cases"
    lost = {k for k, case_id in acknowledged.items() if by_key.get(k) != [case_id]}
    assert not lost
    case_ids = [c[0] for c in by_key.values()]
    without_audit = rows(
        database_url,
        "SELECT c FROM unnest(%s::text[]) c WHERE NOT EXISTS"
        " (SELECT 1 FROM audit_entry e WHERE e.object_id = c)",
        case_ids,
    )
    without_outbox = rows(
        database_url,
        "SELECT c FROM unnest(%s::text[]) c WHERE NOT EXISTS"
        " (SELECT 1 FROM outbox_message m WHERE m.payload->>'case_id' = c)",
        case_ids,
    )
    assert not without_audit and not without_outbox
    report(
        "kill -9 web server during submissions",
        acknowledged=len(acknowledged),
        in_flight_at_kill=len(in_flight),
        half_written_after_kill=half_written,
        survived=sum(1 for k in acknowledged if by_key.get(k) == [acknowledged[k]]),
        duplicates=sum(len(v) - 1 for v in by_key.values()),
        without_audit_or_outbox=len(without_audit) + len(without_outbox),
        lost=len(lost),
    )


async def test_kill9_during_payment_cycle_computation(
    portal: tuple[Process, str],
    database_url: str,
    http: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    server, base = portal
    month = date(2051, 3, 1)
    enrolments = []
    for n in range(3):
        user, draft = await ready_draft(http)
        case = (await submit(base, user, draft, uuid.uuid4().hex)).json()["case"]  # type: ignore[union-attr]
        await approve(http, sessionmaker, "changning", case["id"])
        account = f"62220202001556{n:05d}"
        enrolments.append(await enrol(http, sessionmaker, user, case["id"], account, month))
    maker = await staff(http, sessionmaker, "changning", ["finance_maker"], "finance")

    async def generate() -> httpx.Response | None:
        try:
            async with httpx.AsyncClient(base_url=base, timeout=30) as c:
                return await c.post(
                    "/api/v1/finance/cycles", headers=maker, json={"month": str(month)}
                )
        except httpx.TransportError:
            return None

    with TableLock(database_url, "subsidy_entitlement") as lock:
        pending = asyncio.create_task(generate())
        await asyncio.to_thread(lock.waiting, 1)
        server.kill9()
    assert await pending is None
    await asyncio.to_thread(app_backends_gone, database_url)
    half = rows(
        database_url,
        "SELECT count(*) FROM payment_cycle WHERE district = 'changning' AND month = %s",
        month,
    )[0][0]
    assert half == 0, "a cycle of the killed computation was left behind"

    server.start()
    first, again = await generate(), await generate()
    assert first is not None and again is not None
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert first.json()["id"] == again.json()["id"]
    ids = [e["id"] for e in enrolments]
    per_enrolment = rows(
        database_url,
        "SELECT e.enrolment_id::text, count(*) FROM subsidy_entitlement e"
        " JOIN payment_cycle c ON c.id = e.cycle_id"
        " WHERE c.month = %s AND e.enrolment_id::text = ANY(%s) GROUP BY 1",
        month,
        ids,
    )
    counts = dict(per_enrolment)
    assert all(counts.get(i) == 1 for i in ids), counts
    cycles = rows(
        database_url,
        "SELECT count(*) FROM payment_cycle WHERE district = 'changning' AND month = %s",
        month,
    )[0][0]
    assert cycles == 1
    report(
        "kill -9 web server during payment-cycle computation",
        acknowledged_enrolments=len(ids),
        cycle_rows_after_kill=half,
        cycles_after_restart=cycles,
        entitlements_per_enrolment=sorted(set(counts.values())),
        lost=sum(1 for i in ids if counts.get(i) != 1),
    )


async def test_kill9_of_the_outbox_worker_mid_batch(database_url: str, tmp_path: Path) -> None:
    outbox_dir = tmp_path / "outbox"
    env = portal_env(
        database_url,
        TALENT_OUTBOX_DIR=str(outbox_dir),
        TALENT_OUTBOX_LEASE_SECONDS="3",
        TALENT_OUTBOX_POLL_SECONDS="1",
        TALENT_SMTP_TIMEOUT_SECONDS="1",
        TALENT_SMS_GATEWAY_TIMEOUT_SECONDS="1",
    )
    queued = rows(
        database_url,
        "SELECT id::text, channel FROM outbox_message WHERE status = 'pending'",
    )
    assert len(queued) >= 10, "the earlier tests queue the notices this test delivers"
    worker = outbox_worker(env)
    # The worker claims a batch, then stops at its first in-app message (the table is
    # locked) with the rest of the batch claimed; it is killed there.
    with TableLock(database_url, "inapp_message") as lock:
        worker.start()
        try:
            await asyncio.to_thread(lock.waiting, 1, 30)
        finally:
            worker.kill9()
    await asyncio.to_thread(app_backends_gone, database_url)
    claimed_at_kill = rows(
        database_url,
        "SELECT count(*) FROM outbox_message WHERE status = 'pending' AND locked_until IS NOT NULL",
    )[0][0]
    sent_before_restart = rows(
        database_url, "SELECT count(*) FROM outbox_message WHERE status = 'sent'"
    )[0][0]

    worker = outbox_worker(env)
    worker.start()
    try:
        for _ in range(300):
            left = rows(
                database_url, "SELECT count(*) FROM outbox_message WHERE status = 'pending'"
            )[0][0]
            if left == 0:
                break
            await asyncio.sleep(0.1)
    finally:
        worker.stop()
    ids = [i for i, _ in queued]
    states = dict(
        rows(
            database_url,
            "SELECT id::text, status FROM outbox_message WHERE id::text = ANY(%s)",
            ids,
        )
    )
    inapp = dict(
        rows(
            database_url,
            "SELECT outbox_id::text, count(*) FROM inapp_message"
            " WHERE outbox_id::text = ANY(%s) GROUP BY 1",
            ids,
        )
    )
    files = {p.stem for p in outbox_dir.rglob("*") if p.is_file()}
    delivered = {
        i
        for i, channel in queued
        if states.get(i) == "sent" and (inapp.get(i) == 1 if channel == "inapp" else i in files)
    }
    lost = set(ids) - delivered
    assert not lost, {i: states.get(i) for i in lost}
    assert all(n == 1 for n in inapp.values())
    report(
        "kill -9 outbox worker mid-batch",
        acknowledged=len(ids),
        claimed_unfinished_at_kill=claimed_at_kill,
        sent_before_kill=sent_before_restart,
        delivered_after_restart=len(delivered),
        duplicate_inapp=sum(n - 1 for n in inapp.values()),
        lost=len(lost),
    )
