"""CPU per request of one portal process, for the capacity note in deploy/README.md.

    .venv/bin/python deploy/measure_request_cpu.py [--reads 3000] [--submissions 40]

Makes a fresh PostgreSQL database (Alembic), starts ONE uvicorn worker (`talent-portal serve
--workers 1`), creates applicants, a staff member and cases through the API, then sends each
kind of request one after the other on one keep-alive connection and reads the CPU time the
server process and the database's backends for this database used (/proc utime+stime).
CPU time, unlike wall time, hardly depends on what else the shared cores are doing; the wall
time is printed too, with the load average, for what it is worth. The database is dropped
at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def backends(db: str) -> list[int]:
    with psycopg.connect(ADMIN, autocommit=True) as c:
        rows = c.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (db,)).fetchall()
    return [int(r[0]) for r in rows]


async def measure(
    label: str, server: int, db: str, n: int, one: Callable[[int], Awaitable[None]]
) -> dict[str, float]:
    for i in range(min(50, n)):  # warm the pool, caches and code paths
        await one(i)
    pids = backends(db)
    before_app, before_db = cpu_seconds(server), sum(cpu_seconds(p) for p in pids)
    started = time.perf_counter()
    for i in range(n):
        await one(i)
    wall = time.perf_counter() - started
    # Backends opened during the run started from zero.
    after_pids = backends(db)
    app_cpu = cpu_seconds(server) - before_app
    db_cpu = sum(cpu_seconds(p) for p in after_pids) - before_db
    row = {
        "n": n,
        "app_ms": 1000 * app_cpu / n,
        "db_ms": 1000 * db_cpu / n,
        "wall_ms": 1000 * wall / n,
    }
    print(
        f"{label:<34} n={n:>5}  app CPU {row['app_ms']:6.2f} ms  database CPU "
        f"{row['db_ms']:5.2f} ms  wall {row['wall_ms']:6.2f} ms  (load {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    return row


async def run(args: argparse.Namespace, url: str, db: str, port: int) -> None:
    from app.config import get_settings
    from app.db import make_engine, make_sessionmaker
    from app.services.calendar import sync_from_package
    from app.services.catalog import load_shipped_catalog
    from tests import factories as f
    from tests.integration.test_cases_api import new_draft, rent_documents

    engine = make_engine(get_settings())
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        await load_shipped_catalog(session)
        await sync_from_package(session)

    env = {
        **os.environ,
        "TALENT_LOG_LEVEL": "WARNING",
        "TALENT_OUTBOX_WORKER": "off",
    }
    argv = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "1"]
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            client.portal_sessionmaker = sessionmaker  # type: ignore[attr-defined]
            for _ in range(300):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            drafts = []
            for _ in range(args.submissions):
                user, draft = await new_draft(client, "changning", "rent_subsidy")
                answers = f.renting_returnee_profile(employer_district="changning")
                r = await client.patch(
                    f"/api/v1/applications/{draft['id']}",
                    headers=user.headers,
                    json={"answers": answers},
                )
                docs = await rent_documents(client, user)
                r = await client.patch(
                    f"/api/v1/applications/{draft['id']}",
                    headers=user.headers,
                    json={"documents": docs},
                )
                assert r.status_code == 200, r.text
                drafts.append((user, draft["id"]))
            cases: list[str] = []

            async def submit_one(i: int) -> None:
                user, draft = drafts[i]
                r = await client.post(
                    f"/api/v1/applications/{draft}/submit",
                    headers={**user.headers, "Idempotency-Key": uuid.uuid4().hex},
                    json={"declaration": True, "sensitive_consent": True},
                )
                assert r.status_code == 201, r.text
                cases.append(r.json()["case"]["id"])

            # Submissions first (each draft once): the warm-up takes some of them.
            warm = min(50, args.submissions // 4)
            for i in range(warm):
                await submit_one(i)
            pids = backends(db)
            a0, d0 = cpu_seconds(proc.pid), sum(cpu_seconds(p) for p in pids)
            started = time.perf_counter()
            for i in range(warm, args.submissions):
                await submit_one(i)
            n = args.submissions - warm
            wall = time.perf_counter() - started
            app_ms = 1000 * (cpu_seconds(proc.pid) - a0) / n
            db_ms = 1000 * (sum(cpu_seconds(p) for p in backends(db)) - d0) / n
            print(
                f"{'submission (POST .../submit)':<34} n={n:>5}  app CPU {app_ms:6.2f} ms  "
                f"database CPU {db_ms:5.2f} ms  wall {1000 * wall / n:6.2f} ms  "
                f"(load {os.getloadavg()[0]:.1f})",
                flush=True,
            )

            user, _ = drafts[-1]
            own = cases[-1]
            staff_email = await f.create_staff(
                sessionmaker, district="changning", roles=["reviewer"], department="housing"
            )
            staff = await f.staff_login(client, staff_email)

            async def get(path: str, headers: dict[str, str] | None = None) -> None:
                r = await client.get(path, headers=headers)
                assert r.status_code == 200, (path, r.status_code, r.text[:300])

            n = args.reads
            await measure(
                "applicant case read (GET case)",
                proc.pid,
                db,
                n,
                lambda i: get(f"/api/v1/cases/{own}", user.headers),
            )
            await measure(
                "staff case read (GET staff case)",
                proc.pid,
                db,
                n,
                lambda i: get(f"/api/v1/staff/cases/{cases[i % len(cases)]}", staff),
            )
            await measure(
                "staff queue (GET staff cases)",
                proc.pid,
                db,
                n // 2,
                lambda i: get("/api/v1/staff/cases?limit=50", staff),
            )
            await measure("public page (GET /)", proc.pid, db, n, lambda i: get("/"))
            await measure(
                "bare /healthz (middleware only)", proc.pid, db, n, lambda i: get("/healthz")
            )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reads", type=int, default=3000)
    parser.add_argument("--submissions", type=int, default=40)
    args = parser.parse_args()
    db = f"talent_cpu_{uuid.uuid4().hex[:10]}"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{db}"
    tmp = tempfile.mkdtemp(prefix="talent-cpu-")
    os.environ.update(
        TALENT_DATABASE_URL=url,
        TALENT_ENVIRONMENT="test",
        TALENT_UPLOAD_DIR=f"{tmp}/uploads",
        TALENT_OUTBOX_DIR=f"{tmp}/outbox",
        TALENT_LOG_DIR=f"{tmp}/log",
        TALENT_RATE_LIMIT_LOGIN="1000000/minute",
        TALENT_RATE_LIMIT_PUBLIC="1000000/minute",
    )
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{db}"')
    try:
        from app.migrate import upgrade

        upgrade(url.replace("+asyncpg", "+psycopg"))
        print(f"{os.cpu_count()} cores, load average {os.getloadavg()}", flush=True)
        asyncio.run(run(args, url, db, port))
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
