"""Case handling at scale on PostgreSQL: staff queue latency and submission throughput.

    .venv/bin/python bench/cases.py [--cases 100000] [--submits 1000] [--workers 2]

Creates a fresh database, migrates it with Alembic, bulk-loads N generated cases (setup, not
measured), starts the real server (uvicorn + httptools, several workers) and measures over HTTP:
  * the staff queue page (keyset pages with filters): p50/p95 in ms, target p95 <= 50 ms;
  * submissions (Idempotency-Key, rules pre-check, case + event + consent + outbox + audit rows
    in one transaction): per second, target >= 200/s;
  * the same run's baseline: GET /healthz requests per second, so ratios are comparable.
The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import create_engine, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup(url: str, n_cases: int, n_submits: int) -> dict[str, object]:
    """Migrate, load catalog and calendar, then bulk-insert applicants, cases and drafts."""
    os.environ["TALENT_DATABASE_URL"] = url
    from app.config import get_settings

    get_settings.cache_clear()
    from app.migrate import upgrade

    upgrade(get_settings().sync_database_url)
    from app.models import (
        Applicant,
        Application,
        AuthSession,
        Case,
        CaseEvent,
        Service,
        StaffMember,
        User,
    )
    from app.security.crypto import token_digest
    from app.services import protection

    asyncio.run(_load_reference_data())
    engine = create_engine(get_settings().sync_database_url)
    now = datetime.now(UTC)
    password_hash = "$argon2id$v=19$m=19456,t=2,p=1$bm90LXVzZWQ$bm90LXVzZWQtYmVuY2gtaGFzaA"
    with engine.begin() as conn:
        services = list(
            conn.execute(
                select(
                    Service.id,
                    Service.district,
                    Service.department,
                    Service.code,
                    Service.time_limit_days,
                )
            )
        )
        # Rent subsidies allow 容缺 (documents may follow), so a draft of answers alone submits.
        target = next(s for s in services if s.code == "rent_subsidy" and s.district == "changning")
        n_applicants = max(1000, n_submits)
        users, applicants = [], []
        for i in range(n_applicants):
            uid, aid = uuid.uuid4(), uuid.uuid4()
            users.append(
                {
                    "id": uid,
                    "email": f"bench{i}@example.cn",
                    "password_hash": password_hash,
                    "kind": "applicant",
                    "language": "zh",
                    "is_active": True,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            number = f"BENCH{i:012d}"
            applicants.append(
                {
                    "id": aid,
                    "user_id": uid,
                    "applicant_type": "overseas",
                    "full_name": f"Bench {i}",
                    "id_kind": "passport",
                    "id_number_enc": protection.encrypt_id(number),
                    "id_number_index": protection.id_index(protection.IdKind.PASSPORT, number),
                    "id_number_masked": "B*****000",
                    "nationality": "DE",
                    "mobile": None,
                    "profile_facts": {},
                    "created_at": now,
                    "updated_at": now,
                }
            )
        conn.execute(insert(User), users)
        conn.execute(insert(Applicant), applicants)
        statuses = ["submitted", "accepted", "in_review", "approved", "closed"]
        batch_apps, batch_cases, batch_events = [], [], []
        for i in range(n_cases):
            s = random.choice(services)
            app_id, case_id = uuid.uuid4(), uuid.uuid4()
            applicant = applicants[i % n_applicants]
            submitted = now - timedelta(days=random.randint(0, 365))
            batch_apps.append(
                {
                    "id": app_id,
                    "applicant_id": applicant["id"],
                    "service_id": s.id,
                    "status": "submitted",
                    "answers": {},
                    "documents": {},
                    "channel": "web",
                    "created_at": submitted,
                    "updated_at": submitted,
                    "submitted_at": submitted,
                }
            )
            batch_cases.append(
                {
                    "id": case_id,
                    "number": f"{'YP' if s.district == 'yangpu' else 'CN'}-B-{i:07d}",
                    "lookup_code_enc": b"x",
                    "application_id": app_id,
                    "applicant_id": applicant["id"],
                    "service_id": s.id,
                    "district": s.district,
                    "department": s.department,
                    "status": random.choice(statuses),
                    "version": 1,
                    "channel": "web",
                    "submitted_at": submitted,
                    "time_limit_days": s.time_limit_days,
                    "deadline_date": submitted.date() + timedelta(days=random.randint(5, 30)),
                    "pending_materials": [],
                    "approved_on_commitment": False,
                    "created_at": submitted,
                    "updated_at": submitted,
                }
            )
            batch_events.append(
                {
                    "id": uuid.uuid4(),
                    "case_id": case_id,
                    "occurred_at": submitted,
                    "action": "submit",
                    "from_status": None,
                    "to_status": "submitted",
                    "actor_role": "applicant",
                    "detail": {},
                }
            )
            if len(batch_cases) == 5000:
                conn.execute(insert(Application), batch_apps)
                conn.execute(insert(Case), batch_cases)
                conn.execute(insert(CaseEvent), batch_events)
                batch_apps, batch_cases, batch_events = [], [], []
        if batch_cases:
            conn.execute(insert(Application), batch_apps)
            conn.execute(insert(Case), batch_cases)
            conn.execute(insert(CaseEvent), batch_events)

        # Drafts ready to submit, and bearer tokens for their applicants and for one clerk.
        answers = {
            "birth_date": "1996-05-01",
            "highest_degree": "master",
            "degree_country": "GB",
            "graduation_date": "2025-07-01",
            "return_date": "2025-09-01",
            "employer_district": "changning",
            "employment_start_date": "2025-10-01",
            "social_insurance_months_in_district": 12,
            "social_insurance_base_multiple": 1.5,
            "annual_salary_cny": 300000,
            "owns_home_in_shanghai": False,
            "has_other_housing_benefit": False,
            "talent_programs": [],
            "professional_title": "none",
            "hukou": "other",
        }
        drafts, tokens, sessions = [], [], []
        for i in range(n_submits):
            applicant = applicants[i]
            draft_id, token = uuid.uuid4(), uuid.uuid4().hex + uuid.uuid4().hex
            drafts.append(
                {
                    "id": draft_id,
                    "applicant_id": applicant["id"],
                    "service_id": target.id,
                    "status": "draft",
                    "answers": answers,
                    "documents": {},
                    "channel": "api",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            sessions.append(
                {
                    "id": uuid.uuid4(),
                    "user_id": applicant["user_id"],
                    "kind": "api",
                    "token_hash": token_digest(token),
                    "refresh_hash": None,
                    "created_at": now,
                    "last_seen_at": now,
                    "token_expires_at": now + timedelta(hours=2),
                    "expires_at": now + timedelta(days=1),
                    "revoked_at": None,
                }
            )
            tokens.append((str(draft_id), token))
        conn.execute(insert(Application), drafts)
        staff_user, staff_token = uuid.uuid4(), uuid.uuid4().hex + uuid.uuid4().hex
        conn.execute(
            insert(User),
            [
                {
                    "id": staff_user,
                    "email": "bench.staff@example.cn",
                    "password_hash": password_hash,
                    "kind": "staff",
                    "language": "zh",
                    "is_active": True,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        conn.execute(
            insert(StaffMember),
            [
                {
                    "id": uuid.uuid4(),
                    "user_id": staff_user,
                    "full_name": "Bench",
                    "district": "changning",
                    "department": "housing",
                    "roles": ["reviewer"],
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        sessions.append(
            {
                "id": uuid.uuid4(),
                "user_id": staff_user,
                "kind": "api",
                "token_hash": token_digest(staff_token),
                "refresh_hash": None,
                "created_at": now,
                "last_seen_at": now,
                "token_expires_at": now + timedelta(hours=2),
                "expires_at": now + timedelta(days=1),
                "revoked_at": None,
            }
        )
        conn.execute(insert(AuthSession), sessions)
    engine.dispose()
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as c:
        c.execute("ANALYZE")
    return {"drafts": tokens, "staff_token": staff_token}


async def _load_reference_data() -> None:
    from app.config import get_settings
    from app.db import make_engine, make_sessionmaker
    from app.services.calendar import sync_from_package
    from app.services.catalog import load_shipped_catalog

    engine = make_engine(get_settings())
    async with make_sessionmaker(engine)() as session, session.begin():
        await load_shipped_catalog(session)
        await sync_from_package(session)
    await engine.dispose()


async def measure(
    base: str, data: dict[str, object], queue_requests: int, concurrency: int
) -> dict[str, float]:
    results: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        # Baseline: the cheapest route of the same server, same client.
        for _ in range(50):
            await client.get("/healthz")
        t = time.perf_counter()
        n = 0
        while time.perf_counter() - t < 3:
            await asyncio.gather(*[client.get("/healthz") for _ in range(concurrency)])
            n += concurrency
        results["healthz_rps"] = n / (time.perf_counter() - t)

        headers = {"Authorization": f"Bearer {data['staff_token']}"}
        filters = [
            {},
            {"status": "in_review"},
            {"status": "accepted"},
            {"light": "red"},
            {"department": "housing"},
            {"status": "submitted", "department": "hr_bureau"},
        ]
        latencies: list[float] = []
        for i in range(queue_requests):
            params = dict(filters[i % len(filters)])
            t0 = time.perf_counter()
            r = await client.get("/api/v1/staff/cases", params=params, headers=headers)
            if i % 3 == 1 and r.json().get("next_cursor"):
                params["cursor"] = r.json()["next_cursor"]
                t0 = time.perf_counter()
                r = await client.get("/api/v1/staff/cases", params=params, headers=headers)
            latencies.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.text
        results["queue_p50_ms"] = statistics.median(latencies)
        results["queue_p95_ms"] = pct(latencies, 95)

        drafts = list(data["drafts"])  # type: ignore[call-overload]
        sem = asyncio.Semaphore(concurrency)
        failures = 0

        async def submit(draft_id: str, token: str) -> None:
            nonlocal failures
            async with sem:
                r = await client.post(
                    f"/api/v1/applications/{draft_id}/submit",
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": draft_id},
                    json={"declaration": True, "sensitive_consent": True},
                )
                if r.status_code != 201:
                    failures += 1
                    if failures == 1:
                        print("first failure:", r.status_code, r.text[:500])

        t = time.perf_counter()
        await asyncio.gather(*[submit(d, tok) for d, tok in drafts])
        elapsed = time.perf_counter() - t
        results["submits_per_s"] = len(drafts) / elapsed
        results["submit_failures"] = failures
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--submits", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--queue-requests", type=int, default=300)
    args = parser.parse_args()
    name = f"talent_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    proc = None
    try:
        t = time.perf_counter()
        data = setup(url, args.cases, args.submits)
        print(
            f"setup: {args.cases} cases + {args.submits} drafts in {time.perf_counter() - t:.1f} s"
        )
        port = free_port()
        env = {
            **os.environ,
            "TALENT_DATABASE_URL": url,
            "TALENT_LOG_LEVEL": "WARNING",
            "TALENT_RATE_LIMIT_PUBLIC": "1000000/minute",
            "TALENT_DB_POOL_SIZE": "10",
        }
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.asgi:app",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--http",
                "httptools",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        results = asyncio.run(measure(base, data, args.queue_requests, args.concurrency))
        print(
            f"baseline GET /healthz: {results['healthz_rps']:.0f} req/s "
            f"({args.workers} workers, {args.concurrency} concurrent)"
        )
        print(
            f"staff queue page over {args.cases} cases: p50 {results['queue_p50_ms']:.1f} ms, "
            f"p95 {results['queue_p95_ms']:.1f} ms (target p95 <= 50 ms)"
        )
        print(
            f"submissions: {results['submits_per_s']:.0f} /s "
            f"({int(results['submit_failures'])} failed; target >= 200/s); "
            f"ratio to baseline {results['submits_per_s'] / results['healthz_rps']:.3f}"
        )
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=20)
        with psycopg.connect(ADMIN, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
