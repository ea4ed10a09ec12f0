"""Two app servers, one service (issue 20, "several app servers"): two portal processes on
different ports share one PostgreSQL database and one Redis, as app containers behind nginx
do (deploy/). A client that alternates between them meets one rate limit, stays signed in
(API token and page cookie), gets the same case when it retries a submission on the other
server, and two outbox workers beside them deliver each notice once.

Rate limits count in Redis (TALENT_RATE_LIMIT_STORAGE); sessions, idempotency keys and the
outbox are rows of the database; the outbox is delivered by `talent-portal worker` processes
(procrastinate), never by the web servers on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import psycopg
import pytest
import redis
from fastapi import FastAPI

from tests import factories as f
from tests.faults.conftest import (
    libpq,
    outbox_worker,
    portal_env,
    report,
    web_server,
)
from tests.faults.test_kill9 import ready_draft, rows, submit
from tests.support.smtp_sink import running_sink

pytestmark = pytest.mark.timeout(180)

# A database of the local Redis of its own, so the test's windows start empty without
# touching anything else kept there.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
PUBLIC_LIMIT = 6


@pytest.fixture(scope="module")
def shared_redis() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis unreachable at {REDIS_URL} and CI=true requires it: {exc}")
        pytest.skip(f"Redis unreachable at {REDIS_URL}: {exc}")
    for key in client.scan_iter("LIMITS*"):
        client.delete(key)
    yield REDIS_URL
    for key in client.scan_iter("LIMITS*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="module")
def two_servers(app: FastAPI, database_url: str, shared_redis: str) -> Iterator[tuple[str, str]]:
    """Two web servers on one database and one Redis, with a public limit small enough to
    reach in a few requests (sign-in keeps the suite's generous one)."""
    env = portal_env(
        database_url,
        TALENT_RATE_LIMIT_STORAGE=shared_redis,
        TALENT_RATE_LIMIT_PUBLIC=f"{PUBLIC_LIMIT}/hour",
    )
    servers = [web_server(env), web_server(env)]
    try:
        for server, _ in servers:
            server.start()
        yield servers[0][1], servers[1][1]
    finally:
        for server, _ in servers:
            server.close()


@pytest.fixture
async def clients(
    two_servers: tuple[str, str], app: FastAPI
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    a, b = (httpx.AsyncClient(base_url=base, timeout=30) for base in two_servers)
    for c in (a, b):
        # Registration reads the emailed confirmation link from the shared database.
        c.portal_sessionmaker = app.state.sessionmaker  # type: ignore[attr-defined]
    try:
        yield a, b
    finally:
        await a.aclose()
        await b.aclose()


async def test_a_rate_limit_is_counted_across_both_servers(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    body = {"facts": {}, "district": "changning"}
    answers = []
    for n in range(PUBLIC_LIMIT + 2):
        server = clients[n % 2]  # alternating: each server alone sees half the requests
        answers.append(await server.post("/api/v1/eligibility/check", json=body))
    codes = [r.status_code for r in answers]
    assert codes == [200] * PUBLIC_LIMIT + [429, 429], codes
    for refused in answers[PUBLIC_LIMIT:]:
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.headers["content-type"].startswith("application/problem+json")
    report(
        "two servers: public rate limit",
        limit=PUBLIC_LIMIT,
        requests_alternating=len(codes),
        accepted=codes.count(200),
        refused_429=codes.count(429),
    )


async def test_a_sign_in_on_one_server_holds_on_the_other(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, b = clients
    user = await f.register_and_login(a, f.domestic_payload())
    # The API: a token issued by A works on B; refreshed on B it works on A; signed out on A
    # it is refused by B.
    assert (await b.get("/api/v1/me", headers=user.headers)).status_code == 200
    r = await b.post("/api/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert r.status_code == 200, r.text
    fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert (await a.get("/api/v1/me", headers=fresh)).status_code == 200
    assert (await a.post("/api/v1/auth/logout", headers=fresh)).status_code == 204
    assert (await b.get("/api/v1/me", headers=fresh)).status_code == 401

    # The pages: signed in through A's login page, the cookie opens the account page on B,
    # and a form token A issued signs out on B (one secret, one session store).
    login_page = await a.get("/login")
    r = await a.post(
        "/login",
        data={"email": user.email, "password": user.password, "csrf_token": _csrf(login_page)},
    )
    assert r.status_code == 303, r.text
    b.cookies = httpx.Cookies(a.cookies)
    account = await b.get("/account")
    assert account.status_code == 200 and user.email in account.text
    on_a = await a.get("/account")
    r = await b.post("/logout", data={"csrf_token": _csrf(on_a)})
    assert r.status_code == 303, r.text
    after = await a.get("/account")
    assert after.status_code in (302, 303) and "/login" in after.headers["location"]


def _queue_ids(database_url: str, sql: str) -> set[int]:
    """Ids from procrastinate's tables (its own schema), which the first worker creates."""
    with psycopg.connect(libpq(database_url), options="-c search_path=procrastinate") as conn:
        try:
            return {int(i) for (i,) in conn.execute(sql).fetchall()}
        except psycopg.errors.UndefinedTable:
            return set()


def _csrf(page: httpx.Response) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)


async def test_a_submission_retried_on_the_other_server_is_the_same_case(
    two_servers: tuple[str, str],
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
    database_url: str,
) -> None:
    a_base, b_base = two_servers
    drafts = [await ready_draft(clients[n % 2]) for n in range(4)]
    keys = {draft: uuid.uuid4().hex for _, draft in drafts}
    answers: dict[str, list[httpx.Response]] = {}
    for user, draft in drafts[:2]:
        # A retry after a lost answer: first on A, then the same key on B.
        first = await submit(a_base, user, draft, keys[draft])
        again = await submit(b_base, user, draft, keys[draft])
        answers[draft] = [r for r in (first, again) if r is not None]
    for user, draft in drafts[2:]:
        # The same request reaching both servers at once (a client that timed out on one).
        both = await asyncio.gather(
            submit(a_base, user, draft, keys[draft]), submit(b_base, user, draft, keys[draft])
        )
        answers[draft] = [r for r in both if r is not None]
    for pair in answers.values():
        assert [r.status_code for r in pair] == [201, 201], [r.text for r in pair]
        assert len({r.json()["case"]["id"] for r in pair}) == 1
        assert sorted(r.json()["replayed"] for r in pair) == [False, True]
    stored = rows(
        database_url,
        "SELECT a.idempotency_key, count(c.id) FROM application a"
        " JOIN service_case c ON c.application_id = a.id"
        " WHERE a.idempotency_key = ANY(%s) GROUP BY 1",
        list(keys.values()),
    )
    assert sorted(n for _, n in stored) == [1, 1, 1, 1]
    report(
        "two servers: idempotent submission",
        submissions=len(keys),
        answers=sum(len(v) for v in answers.values()),
        cases_stored=sum(n for _, n in stored),
        duplicates=sum(n - 1 for _, n in stored),
    )


async def test_two_workers_deliver_each_notice_once(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], database_url: str, tmp_path: Any
) -> None:
    # Notices of new accounts and submissions, made through both servers.
    emails = []
    for n in range(6):
        user, draft = await ready_draft(clients[n % 2])
        r = await submit(str(clients[(n + 1) % 2].base_url), user, draft, uuid.uuid4().hex)
        assert r is not None and r.status_code == 201, r
        emails.append(user.email)
    ours = 'SELECT m.id::text, m.channel FROM outbox_message m JOIN "user" u' + (
        " ON u.id = m.recipient_user_id WHERE u.email = ANY(%s)"
    )
    queued = dict(rows(database_url, ours, emails))
    assert {"email", "inapp"} <= set(queued.values()), queued
    assert all(
        s == "pending"
        for (s,) in rows(
            database_url,
            "SELECT status FROM outbox_message WHERE id::text = ANY(%s)",
            list(queued),
        )
    ), "the web servers delivered (on PostgreSQL only the workers do)"

    with running_sink() as sink:
        env = portal_env(
            database_url,
            TALENT_OUTBOX_DIR=str(tmp_path / "outbox"),
            TALENT_NOTIFY_EMAIL_TRANSPORT="smtp",
            TALENT_SMTP_HOST=sink.host,
            TALENT_SMTP_PORT=str(sink.port),
            TALENT_OUTBOX_POLL_SECONDS="1",
            TALENT_OUTBOX_BATCH_SIZE="2",
        )
        workers = [outbox_worker(env), outbox_worker(env)]
        for worker in workers:
            worker.start()
        alive: set[int] = set()  # procrastinate's registered workers
        ran_jobs: set[int] = set()  # the workers seen running or having run a delivery
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                alive |= _queue_ids(database_url, "SELECT id FROM procrastinate_workers")
                ran_jobs |= _queue_ids(
                    database_url,
                    "SELECT worker_id FROM procrastinate_jobs WHERE worker_id IS NOT NULL",
                )
                left = rows(
                    database_url,
                    "SELECT count(*) FROM outbox_message WHERE id::text = ANY(%s)"
                    " AND status <> 'sent'",
                    list(queued),
                )[0][0]
                if left == 0:
                    break
                await asyncio.sleep(0.2)
        finally:
            for worker in workers:
                worker.stop()
        received = Counter(
            str(m["X-Talent-Outbox-Id"]) for m in sink.messages if m["X-Talent-Outbox-Id"]
        )

    state = {
        i: (status, attempts)
        for i, status, attempts in rows(
            database_url,
            "SELECT id::text, status, attempts FROM outbox_message WHERE id::text = ANY(%s)",
            list(queued),
        )
    }
    inapp = dict(
        rows(
            database_url,
            "SELECT outbox_id::text, count(*) FROM inapp_message"
            " WHERE outbox_id::text = ANY(%s) GROUP BY 1",
            list(queued),
        )
    )
    assert len(alive) >= 2, "both workers were running"
    assert all(status == "sent" for status, _ in state.values()), state
    # Claimed once each: neither worker took a message the other had leased.
    assert all(attempts == 1 for _, attempts in state.values()), state
    by_channel = Counter(queued.values())
    mailed = {i for i, channel in queued.items() if channel == "email"}
    shown = {i for i, channel in queued.items() if channel == "inapp"}
    assert {i: received[i] for i in mailed} == dict.fromkeys(mailed, 1)
    assert {i: inapp.get(i) for i in shown} == dict.fromkeys(shown, 1)
    report(
        "two servers, two outbox workers",
        notices=len(queued),
        email=by_channel["email"],
        inapp=by_channel["inapp"],
        emails_received=sum(received[i] for i in mailed),
        inapp_rows=sum(inapp.values()),
        claimed_more_than_once=sum(1 for _, n in state.values() if n != 1),
        workers_running=len(alive),
        workers_that_ran_deliveries=len(ran_jobs),
    )
