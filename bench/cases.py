"""Case handling at scale on PostgreSQL: staff queue latency and submission throughput.

    .venv/bin/python bench/cases.py [--cases 100000] [--rounds 3] [--workers 2] [--httpx]

Creates a fresh database, migrates it with Alembic, bulk-loads N generated cases (setup, not
measured), starts the real server (uvicorn + httptools, several workers) and measures over HTTP:
  * the staff queue page (keyset pages with filters): p50/p95 in ms, target p95 <= 50 ms;
  * submissions (Idempotency-Key, rules pre-check, case + event + consent + outbox + audit rows
    in one transaction): per second, target >= 200/s, in several rounds (median, best, worst),
    as the speed of this machine's shared cores drifts from minute to minute;
  * the same run's baseline: GET /healthz requests per second, so ratios are comparable;
  * where the CPU went during submissions: server workers, PostgreSQL, load generator.
Load comes from wrk (Debian package `wrk`, script bench/submit.lua) when it is installed, so the
load generator takes little of the cores it shares with the server; otherwise from httpx.
The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
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


def libpq(url: str) -> str:
    return url.replace("+psycopg", "").replace("+asyncpg", "")


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
    from app.rules import samples
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
        answers = samples.renting_returnee()
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
    with psycopg.connect(libpq(url), autocommit=True) as c:
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


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _processes() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command name) of every process we can read."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            found.append((int(entry.name), int(stat.rsplit(")", 1)[1].split()[1]), name))
    return found


class CpuMeter:
    """CPU seconds spent by the server's processes and by PostgreSQL between start and stop.

    Read from /proc, so the split shows where the machine's two cores went during a phase.
    """

    def __init__(self, server_pid: int) -> None:
        procs = _processes()
        self.server = [server_pid] + [pid for pid, ppid, _ in procs if ppid == server_pid]
        self.tick = os.sysconf("SC_CLK_TCK")

    def _sample(self) -> tuple[float, float]:
        server = sum(_cpu_ticks(pid) for pid in self.server)
        database = sum(_cpu_ticks(pid) for pid, _, name in _processes() if name == "postgres")
        return server / self.tick, database / self.tick

    def start(self) -> None:
        self.started = self._sample()
        self.own = resource.getrusage(resource.RUSAGE_SELF)
        self.children = resource.getrusage(resource.RUSAGE_CHILDREN)

    def stop(self) -> dict[str, float]:
        server, database = self._sample()
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        load = (
            own.ru_utime
            + own.ru_stime
            - self.own.ru_utime
            - self.own.ru_stime
            # wrk, once it has exited and been waited for
            + children.ru_utime
            + children.ru_stime
            - self.children.ru_utime
            - self.children.ru_stime
        )
        return {
            "server": server - self.started[0],
            "database": database - self.started[1],
            "load": load,
        }


async def measure_queue(base: str, data: dict[str, object], queue_requests: int) -> list[float]:
    """Latency of the staff queue, one request at a time (what one reviewer waits for)."""
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
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for _ in range(20):
            await client.get("/api/v1/staff/cases", headers=headers)
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
    return latencies


def wrk_healthz(base: str, concurrency: int, seconds: int) -> float:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", base + "/healthz"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("Requests/sec:"))
    return float(line.split()[1])


def wrk_submits(
    base: str, drafts: list[tuple[str, str]], concurrency: int, seconds: int
) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("".join(f"{d} {t}\n" for d, t in drafts))
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{concurrency}",
                f"-d{seconds}s",
                "--timeout",
                "30s",
                "-s",
                str(ROOT / "bench" / "submit.lua"),
                base,
                "--",
                f.name,
                "2",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(f.name)
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    return {k: float(v) for k, v in (part.split("=") for part in line.split()[1:])}


async def httpx_healthz(base: str, concurrency: int, seconds: int) -> float:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for _ in range(50):
            await client.get("/healthz")
        t = time.perf_counter()
        n = 0
        while time.perf_counter() - t < seconds:
            await asyncio.gather(*[client.get("/healthz") for _ in range(concurrency)])
            n += concurrency
        return n / (time.perf_counter() - t)


async def httpx_submits(
    base: str, drafts: list[tuple[str, str]], concurrency: int
) -> dict[str, float]:
    sem = asyncio.Semaphore(concurrency)
    failures = 0
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def submit(draft_id: str, token: str) -> None:
            nonlocal failures
            async with sem:
                t0 = time.perf_counter()
                r = await client.post(
                    f"/api/v1/applications/{draft_id}/submit",
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": draft_id},
                    json={"declaration": True, "sensitive_consent": True},
                )
                latencies.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 201:
                    failures += 1
                    if failures == 1:
                        print("first failure:", r.status_code, r.text[:500])

        t = time.perf_counter()
        await asyncio.gather(*[submit(d, tok) for d, tok in drafts])
        elapsed = time.perf_counter() - t
    return {
        "created": len(drafts) - failures,
        "other": failures,
        "exhausted": 0,
        "seconds": elapsed,
        "p50_ms": statistics.median(latencies),
        "p95_ms": pct(latencies, 95),
    }


def count_submitted(url: str) -> int:
    with psycopg.connect(libpq(url)) as c:
        row = c.execute("SELECT count(*) FROM service_case WHERE channel = 'api'").fetchone()
    return int(row[0]) if row else 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--submits", type=int, default=6600, help="drafts prepared")
    parser.add_argument("--rounds", type=int, default=3, help="measured submission rounds")
    parser.add_argument("--warmup", type=int, default=600, help="drafts for the warm-up")
    parser.add_argument("--seconds", type=int, default=6, help="submission phase (wrk)")
    parser.add_argument("--httpx", action="store_true", help="load from httpx even with wrk")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--driver", choices=["asyncpg", "psycopg"], default="asyncpg")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--queue-requests", type=int, default=300)
    args = parser.parse_args()
    name = f"talent_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+{args.driver}://postgres@127.0.0.1:5432/{name}"
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
        use_wrk = shutil.which("wrk") is not None and not args.httpx
        generator = "wrk" if use_wrk else "httpx (install wrk for a lighter load generator)"
        drafts: list[tuple[str, str]] = list(data["drafts"])  # type: ignore[call-overload]
        meter = CpuMeter(proc.pid)

        meter.start()
        if use_wrk:
            healthz = wrk_healthz(base, args.concurrency, 3)
        else:
            healthz = asyncio.run(httpx_healthz(base, args.concurrency, 3))
        healthz_cpu = meter.stop()
        print(
            f"baseline GET /healthz: {healthz:.0f} req/s "
            f"({args.workers} workers, {args.concurrency} concurrent, load from {generator})"
        )

        latencies = asyncio.run(measure_queue(base, data, args.queue_requests))
        print(
            f"staff queue page over {args.cases} cases: p50 {statistics.median(latencies):.1f} ms,"
            f" p95 {pct(latencies, 95):.1f} ms (target p95 <= 50 ms)"
        )

        # Warm-up (not measured): each worker's first submissions fill SQLAlchemy's statement
        # cache, psycopg's prepared statements and the policy library's compiled rules.
        warm, drafts = drafts[: args.warmup], drafts[args.warmup :]
        if use_wrk:
            wrk_submits(base, warm, args.concurrency, 2)
        else:
            asyncio.run(httpx_submits(base, warm, args.concurrency))

        # Several rounds, each on drafts of its own: this machine's speed drifts from minute
        # to minute (shared cores), so one window can land on a slow or a fast spell.
        chunk = len(drafts) // args.rounds
        rates, costs = [], []
        for n in range(args.rounds):
            part = drafts[n * chunk : (n + 1) * chunk]
            before = count_submitted(url)
            meter.start()
            if use_wrk:
                run = wrk_submits(base, part, args.concurrency, args.seconds)
            else:
                run = asyncio.run(httpx_submits(base, part, args.concurrency))
            cpu = meter.stop()
            # Checked against the database: the cases that really exist. Requests still in
            # flight when wrk stops may add a few, so the rate counts only answers in time.
            made = count_submitted(url) - before
            answered = int(run["created"] - run["exhausted"])
            rate = min(made, answered) / run["seconds"]
            rates.append(rate)
            print(
                f"submissions, round {n + 1}: {rate:.0f} /s ({answered} answered in "
                f"{run['seconds']:.1f} s, {made} cases in the database, "
                f"{int(run['other'])} failed; target >= 200/s); ratio to baseline "
                f"{rate / healthz:.3f}; latency p50 {run['p50_ms']:.1f} ms, "
                f"p95 {run['p95_ms']:.1f} ms"
            )
            if run["exhausted"]:
                print(
                    f"  warning: drafts ran out ({int(run['exhausted'])} replays); raise --submits"
                )
            if made:
                per = {k: v / made * 1000 for k, v in cpu.items()}
                costs.append(per["server"] + per["database"])
                print(
                    "  CPU per submission: "
                    f"server {per['server']:.1f} ms, PostgreSQL {per['database']:.1f} ms, "
                    f"load generator {per['load']:.1f} ms "
                    f"(GET /healthz: server {healthz_cpu['server'] / (healthz * 3) * 1000:.2f} ms)"
                )
        cores = os.cpu_count() or 1
        print(
            f"submissions over {args.rounds} rounds: median {statistics.median(rates):.0f} /s, "
            f"best {max(rates):.0f} /s, worst {min(rates):.0f} /s (target >= 200/s); server and "
            f"PostgreSQL CPU per submission median {statistics.median(costs):.1f} ms, so "
            f"{cores} cores fully busy would take {cores * 1000 / statistics.median(costs):.0f} /s"
        )
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=20)
        with psycopg.connect(ADMIN, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
