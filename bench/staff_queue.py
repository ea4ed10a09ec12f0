"""The staff queue and case search at 1,000,000 cases on PostgreSQL (issue 20).

    .venv/bin/python bench/staff_queue.py [--cases 1000000] [--applicants 300000] [--samples 200]
    make bench-queue

A fresh database is made by Alembic (with bench/cases.py's setup: catalog, calendar, one housing
reviewer of Changning with a bearer token), then applicants and cases are generated inside
PostgreSQL with INSERT ... SELECT generate_series (the secondary indexes are dropped for the load
and built again after it, as a restore would). Measured, p50/p95/p99 in ms:
  * the queue's statement as the repository runs it (app.repositories.cases.queue_statement,
    through the portal's async engine), for a reviewer and a supervisor, first and deep keyset
    pages, with the page's filters; target p99 <= 20 ms;
  * case search by number, masked ID number and name prefix, the same way; target p99 <= 50 ms;
  * the same over HTTP: GET /api/v1/staff/cases under uvicorn (httptools, 2 workers).
EXPLAIN (ANALYZE, BUFFERS) of each statement goes to var/bench/queue-explain.txt; a Seq Scan on
service_case or applicant is flagged. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cases import ADMIN, libpq, pct, setup  # noqa: E402
from bench.run import server  # noqa: E402

OUT = ROOT / "var" / "bench"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国玉萍红文辉鹏飞宇晨欣怡子涵浩然思远佳琪雨"
)
LATIN_FIRST = [
    "Maria",
    "John",
    "Anna",
    "David",
    "Sophie",
    "Lukas",
    "Emma",
    "Noah",
    "Yuki",
    "Omar",
    "Elena",
    "Paul",
    "Laura",
    "Ivan",
    "Sara",
    "Tom",
    "Nina",
    "Felix",
    "Chloe",
    "Hugo",
    "Mia",
    "Leo",
    "Ines",
    "Marco",
    "Julia",
    "Adam",
    "Lea",
    "Oscar",
    "Alice",
    "Jonas",
]
LATIN_LAST = [
    "Rossi",
    "Smith",
    "Müller",
    "Tanaka",
    "Dubois",
    "Kim",
    "Silva",
    "Novak",
    "Ali",
    "Garcia",
    "Jones",
    "Schmidt",
    "Sato",
    "Martin",
    "Park",
    "Costa",
    "Horvat",
    "Khan",
    "Lopez",
    "Brown",
    "Weber",
    "Suzuki",
    "Bernard",
    "Lee",
    "Santos",
    "Kowalski",
    "Hassan",
    "Moreau",
    "Wagner",
    "Ito",
]
REGIONS = ["310", "320", "330", "110", "440", "510"]
# Over years most cases are decided and closed; the open ones are recent.
STATUSES = (
    ["closed"] * 70
    + ["approved"] * 6
    + ["result_issued"] * 2
    + ["rejected"] * 5
    + ["withdrawn"] * 3
    + ["submitted"] * 3
    + ["accepted"] * 5
    + ["in_review"] * 5
    + ["supplement_requested"] * 1
)


def sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def bulk_load(dsn: str, n_cases: int, n_applicants: int, staff_id: uuid.UUID) -> None:
    surnames, given = list(SURNAMES), list(GIVEN)
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute("SET synchronous_commit = off")
        c.execute("SET maintenance_work_mem = '256MB'")
        defs = [
            row[0]
            for row in c.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename IN ('service_case', 'applicant')"
                " AND indexname LIKE 'ix_%'"
            )
        ]
        for d in defs:
            c.execute("DROP INDEX " + d.split(" INDEX ", 1)[1].split(" ON ", 1)[0])
        c.execute(
            f"""INSERT INTO "user" (id, email, password_hash, kind, language, is_active,
                created_at, updated_at)
            SELECT md5('u' || i)::uuid, 'q' || i || '@bench.cn', 'x', 'applicant', 'zh', true,
                now(), now() FROM generate_series(1::bigint, {n_applicants}) i"""
        )
        c.execute(
            f"""INSERT INTO applicant (id, user_id, applicant_type, full_name, id_kind,
                id_number_enc, id_number_index, id_number_masked, nationality, profile_facts,
                created_at, updated_at)
            SELECT md5('a' || i)::uuid, md5('u' || i)::uuid,
                CASE WHEN i % 10 = 0 THEN 'overseas' ELSE 'domestic' END,
                CASE WHEN i % 10 = 0
                  THEN ({sql_array(LATIN_FIRST)})[1 + (i / 10) % {len(LATIN_FIRST)}] || ' ' ||
                       ({sql_array(LATIN_LAST)})[1 + (i / 300) % {len(LATIN_LAST)}]
                  ELSE ({sql_array(surnames)})[1 + i % {len(surnames)}] ||
                       ({sql_array(given)})[1 + (i / {len(surnames)}) % {len(given)}] ||
                       ({sql_array(given)})[1 + (i / {len(surnames) * len(given)}) % {len(given)}]
                END,
                CASE WHEN i % 10 = 0 THEN 'passport' ELSE 'resident_id' END,
                '\\x00'::bytea, md5('idx' || i),
                CASE WHEN i % 10 = 0 THEN 'E*****' || lpad((i % 1000)::text, 3, '0')
                  ELSE ({sql_array(REGIONS)})[1 + i % {len(REGIONS)}] || '***********' ||
                       lpad(((i * 7919) % 10000)::text, 4, '0') END,
                CASE WHEN i % 10 = 0 THEN 'DE' ELSE 'CN' END, '{{}}', now(), now()
            FROM generate_series(1::bigint, {n_applicants}) i"""
        )
        services = c.execute(
            "SELECT id::text, district, department, time_limit_days FROM service ORDER BY code,"
            " district"
        ).fetchall()
        ids, districts, departments, limits = (list(col) for col in zip(*services, strict=True))
        open_ = "('submitted','accepted','in_review','supplement_requested')"
        c.execute(
            f"""WITH g AS (
              SELECT i, 1 + (i * 31) % {len(ids)} AS s,
                ({sql_array(STATUSES)})[1 + (i * 13) % {len(STATUSES)}] AS status
              FROM generate_series(1::bigint, {n_cases}) i
            ), d AS (
              SELECT g.*, current_date - (CASE WHEN status IN {open_} THEN (i % 60)
                  ELSE 60 + (i * 7919) % 5400 END)::int AS day FROM g
            )
            INSERT INTO service_case (id, number, lookup_code_enc, applicant_id, service_id,
                district, department, status, version, channel, submitted_at, accepted_on,
                time_limit_days, deadline_date, pending_materials, approved_on_commitment,
                assignee_staff_id, first_responsible_staff_id, created_at, updated_at)
            SELECT md5('c' || i)::uuid,
                CASE WHEN ({sql_array(districts)})[s] = 'yangpu' THEN 'YP' ELSE 'CN' END || '-'
                  || extract(year FROM day)::int || '-' || lpad(i::text, 7, '0'),
                '\\x00'::bytea, md5('a' || (1 + (i * 104729) % {n_applicants}))::uuid,
                ({sql_array(ids)})[s]::uuid, ({sql_array(districts)})[s],
                ({sql_array(departments)})[s], status, 1, 'web', day::timestamptz,
                CASE WHEN status = 'submitted' THEN NULL ELSE day + 1 END,
                (ARRAY[{",".join(str(v) for v in limits)}])[s],
                day + 15 + (i % 20)::int, '[]', false,
                CASE WHEN i % 997 = 0 THEN '{staff_id}'::uuid END,
                CASE WHEN i % 991 = 0 THEN '{staff_id}'::uuid END,
                day::timestamptz, day::timestamptz
            FROM d"""
        )
        for d in defs:
            c.execute(d)
        # A few certified high-level talent's cases, flagged for Changning's 专窗 (1 in ~300).
        c.execute(
            "UPDATE service_case SET priority = true WHERE district = 'changning' "
            "AND number LIKE '%0' AND substr(md5(number), 1, 2) < '08'"
        )
        c.execute("VACUUM ANALYZE service_case")
        c.execute("VACUUM ANALYZE applicant")
        c.execute('VACUUM ANALYZE "user"')


def reviewer(dsn: str) -> Any:
    from app.domain.enums import Role, UserKind, permissions_for
    from app.domain.principal import Principal

    with psycopg.connect(dsn) as c:
        row = c.execute(
            'SELECT s.id, s.user_id FROM staff_member s JOIN "user" u ON u.id = s.user_id'
            " WHERE u.email = 'bench.staff@example.cn'"
        ).fetchone()
    assert row
    base = {
        "user_id": row[1],
        "session_id": uuid.uuid4(),
        "kind": UserKind.STAFF,
        "email": "bench.staff@example.cn",
        "language": "zh",
        "display_name": "Bench",
        "staff_id": row[0],
        "district": "changning",
        "department": "housing",
    }
    return (
        Principal(**base, roles=("reviewer",), permissions=permissions_for([Role.REVIEWER])),
        Principal(**base, roles=("supervisor",), permissions=permissions_for([Role.SUPERVISOR])),
    )


def shapes(principals: Any, today: date, samples: dict[str, list[str]]) -> list[tuple]:
    """(label, principal, filters): the queue page's filter shapes and the three searches."""
    from app.workflow.states import CaseStatus

    rev, sup = principals
    running = {s.value for s in CaseStatus.RUNNING_CLOCK}
    final = {s.value for s in CaseStatus.FINAL}
    base = {"department": None, "statuses": None, "service_id": None, "due_before": None}
    out = [
        ("reviewer: whole queue", rev, {}),
        # Changning's first page: the 专窗's flagged cases, then the others (queue.py).
        ("reviewer: 专窗 flagged first", rev, {"priority": True}),
        ("reviewer: the others", rev, {"priority": False}),
        ("reviewer: in review", rev, {"statuses": {"in_review"}}),
        ("reviewer: submitted+accepted", rev, {"statuses": {"submitted", "accepted"}}),
        ("supervisor: district queue", sup, {}),
        (
            "supervisor: hr_bureau accepted",
            sup,
            {"department": "hr_bureau", "statuses": {"accepted"}},
        ),
        (
            "supervisor: overdue (red)",
            sup,
            {"statuses": running, "due_before": today, "unpaused": True},
        ),
        ("reviewer: mine", rev, {"exclude_statuses": final, "handled_by": rev.staff_id}),
    ]
    out += [(f"search by {kind}", sup, {"search": (kind, "")}) for kind in samples]
    return [(label, p, {**base, "after": None, "limit": 51, **f}) for label, p, f in out]


async def measure(n: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    for _ in range(5):
        await call()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        await call()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def line(label: str, times: list[float], target: float) -> str:
    p99 = pct(times, 99)
    flag = "ok" if p99 <= target else "OVER TARGET"
    return (
        f"{label:<34} p50 {statistics.median(times):6.2f}  p95 {pct(times, 95):6.2f}  "
        f"p99 {p99:6.2f} ms  (target p99 <= {target:.0f} ms: {flag})"
    )


async def repository_bench(url: str, dsn: str, args: argparse.Namespace, samples: dict) -> None:
    from sqlalchemy import create_engine

    from app.config import get_settings
    from app.db import make_engine, make_sessionmaker
    from app.repositories import cases as cases_repo

    principals = reviewer(dsn)
    today = date.today()
    engine = make_engine(get_settings())
    explain_engine = create_engine(url.replace("+asyncpg", "+psycopg"))
    report = []
    print(f"\nrepository statements (async engine, {args.samples} runs each), ms:")
    async with make_sessionmaker(engine)() as session:
        for label, principal, filters in shapes(principals, today, samples):
            kind = label.removeprefix("search by ")
            searching = kind in samples
            target = 50.0 if searching else 20.0

            async def call(f: dict = filters, p: Any = principal, k: str = kind) -> object:
                if k in samples:
                    f = {**f, "search": (k, random.choice(samples[k]))}
                return await cases_repo.queue(session, p, **f)

            print(line(label, await measure(args.samples, call), target), flush=True)
            if searching:
                variants = [("sample", {**filters, "search": (kind, samples[kind][0])})]
            else:
                variants = [("first page", filters)]
                rows = await cases_repo.queue(session, principal, **{**filters, "limit": 1000})
                if len(rows) == 1000:
                    # Page 21 of 50: the cursor is the last row of page 20.
                    after = {**filters, "after": (rows[-1].deadline_date, rows[-1].id)}

                    async def deep(a: dict = after, p: Any = principal) -> object:
                        return await cases_repo.queue(session, p, **a)

                    print(line("  page 21 (keyset)", await measure(args.samples, deep), target))
                    variants.append(("page 21", after))
            for name, f in variants:
                stmt = cases_repo.queue_statement(principal, **f)
                with explain_engine.connect() as conn:
                    compiled = stmt.compile(
                        dialect=conn.dialect, compile_kwargs={"render_postcompile": True}
                    )
                    plan = conn.exec_driver_sql(
                        "EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params
                    ).scalars()
                    text = "\n".join(plan)
                seq = (
                    " SEQ SCAN on a big table"
                    if any(f"Seq Scan on {t}" in text for t in ("service_case", "applicant"))
                    else ""
                )
                report.append(f"== {label}, {name}{seq}\n{compiled}\n{compiled.params}\n\n{text}\n")
    await engine.dispose()
    explain_engine.dispose()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "queue-explain.txt").write_text("\n".join(report))
    print(
        "plans: var/bench/queue-explain.txt "
        f"({sum('SEQ SCAN' in r for r in report)} with a Seq Scan on service_case or applicant)"
    )


def http_bench(url: str, token: str, args: argparse.Namespace, samples: dict) -> None:
    env = {**os.environ, "TALENT_DATABASE_URL": url, "TALENT_LOG_LEVEL": "WARNING"}
    headers = {"Authorization": f"Bearer {token}"}
    params: list[tuple[str, dict[str, Any], float]] = [
        ("whole queue", {}, 20.0),
        ("in review", {"status": "in_review"}, 20.0),
        ("submitted+accepted", {"status": ["submitted", "accepted"]}, 20.0),
        ("mine", {"mine": "true"}, 20.0),
    ]
    params += [(f"search by {k}", {"q": ""}, 50.0) for k in samples]
    print(f"\nGET /api/v1/staff/cases over HTTP (uvicorn, {args.workers} workers, one client), ms:")
    with (
        server("app.asgi:app", env, args.workers) as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        for label, query, target in params:
            kind = label.removeprefix("search by ")
            times = []
            for i in range(args.samples + 10):
                q = {**query, "q": random.choice(samples[kind])} if kind in samples else query
                t0 = time.perf_counter()
                r = client.get("/api/v1/staff/cases", params=q, headers=headers)
                if i >= 10:
                    times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text
            print(line(label, times, target), flush=True)


def search_samples(dsn: str) -> dict[str, list[str]]:
    with psycopg.connect(dsn) as c:
        cases = c.execute(
            "SELECT c.number, a.id_number_masked, a.full_name FROM service_case c"
            " JOIN applicant a ON a.id = c.applicant_id WHERE c.district = 'changning'"
            " ORDER BY random() LIMIT 300"
        ).fetchall()
    names = [n for _, _, n in cases]
    return {
        "number": [n for n, _, _ in cases],
        "masked_id": [m for _, m, _ in cases],
        # Whole names, and a surname with the given name's first character.
        "name": names[:150] + [n[:2] for n in names[150:] if " " not in n],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--applicants", type=int, default=300_000)
    parser.add_argument("--samples", type=int, default=200, help="timed runs per shape")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument(
        "--keep", metavar="DATABASE", help="load into this database and keep it (or reuse it)"
    )
    args = parser.parse_args()
    name = args.keep or f"talent_bench_{uuid.uuid4().hex[:8]}"
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    dsn = libpq(url)
    with psycopg.connect(ADMIN, autocommit=True) as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            c.execute(f'CREATE DATABASE "{name}"')
    try:
        t = time.perf_counter()
        if exists:
            # Schema and data as a --keep run left them; the migrations may have moved on.
            os.environ["TALENT_DATABASE_URL"] = url
            from app.config import get_settings
            from app.migrate import upgrade
            from app.security.crypto import token_digest

            get_settings.cache_clear()
            upgrade(get_settings().sync_database_url)
            token = uuid.uuid4().hex + uuid.uuid4().hex
            with psycopg.connect(dsn) as c:
                c.execute(
                    "UPDATE auth_session SET token_hash = %s, token_expires_at = now() +"
                    " interval '2 hours', expires_at = now() + interval '1 day', last_seen_at ="
                    ' now() WHERE user_id = (SELECT id FROM "user" WHERE email ='
                    " 'bench.staff@example.cn')",
                    (token_digest(token),),
                )
            data: dict[str, object] = {"staff_token": token}
        else:
            data = setup(url, 0, 1)
            staff_id = reviewer(dsn)[0].staff_id
            bulk_load(dsn, args.cases, args.applicants, staff_id)
        with psycopg.connect(dsn) as c:
            count = c.execute("SELECT count(*) FROM service_case").fetchone()
        print(
            f"{'kept' if exists else 'loaded'} {count[0] if count else 0} cases, "
            f"{args.applicants} applicants in "
            f"{time.perf_counter() - t:.0f} s; load average {os.getloadavg()[0]:.2f}"
        )
        samples = search_samples(dsn)
        asyncio.run(repository_bench(url, dsn, args, samples))
        if not args.no_http:
            http_bench(url, str(data["staff_token"]), args, samples)
        print(f"load average {os.getloadavg()[0]:.2f}")
    finally:
        if not args.keep:
            with psycopg.connect(ADMIN, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
