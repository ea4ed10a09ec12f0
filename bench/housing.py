"""A monthly rent-subsidy cycle for 10,000 enrolments on PostgreSQL: computed (with the lapsing
conditions re-checked through the vectorised rules path), reviewed by a maker, approved by a
checker, exported to the bank file. Prints seconds per step and the process's peak RSS.

    .venv/bin/python bench/housing.py [--enrolments 10000]

Target: computed and approved in <= 60 s with bounded memory. A fresh database is created,
migrated by Alembic, bulk-loaded (setup, not measured) and dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup(url: str, n: int) -> None:
    import os

    os.environ["TALENT_DATABASE_URL"] = url
    from app.config import get_settings

    get_settings.cache_clear()
    from app.migrate import upgrade

    upgrade(get_settings().sync_database_url)
    from bench.cases import _load_reference_data

    asyncio.run(_load_reference_data())
    from app.models import Applicant, Application, Case, Enrolment, Service, User
    from app.rules import samples
    from app.services import protection

    engine = create_engine(get_settings().sync_database_url)
    now = datetime.now(UTC)
    account = protection.cipher().encrypt("6222020200112233445", "subsidy.bank_account")
    answers = samples.renting_returnee()
    with engine.begin() as conn:
        service = conn.execute(
            select(Service.id).where(
                Service.code == "rent_subsidy", Service.district == "changning"
            )
        ).scalar_one()
        for start in range(0, n, 2000):
            users, applicants, apps, cases, enrolments = [], [], [], [], []
            for i in range(start, min(n, start + 2000)):
                uid, aid, app_id, case_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
                users.append(
                    {
                        "id": uid,
                        "email": f"s{i}@bench.cn",
                        "password_hash": "x",
                        "kind": "applicant",
                        "language": "zh",
                        "is_active": True,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                applicants.append(
                    {
                        "id": aid,
                        "user_id": uid,
                        "applicant_type": "domestic",
                        "full_name": f"受益人{i}",
                        "id_kind": "resident_id",
                        "id_number_enc": b"x",
                        "id_number_index": f"bench-{i}",
                        "id_number_masked": "310***",
                        "nationality": "CN",
                        "profile_facts": {},
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                apps.append(
                    {
                        "id": app_id,
                        "applicant_id": aid,
                        "service_id": service,
                        "status": "submitted",
                        "answers": answers,
                        "documents": {},
                        "channel": "web",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                cases.append(
                    {
                        "id": case_id,
                        "number": f"CN-S-{i:07d}",
                        "lookup_code_enc": b"x",
                        "application_id": app_id,
                        "applicant_id": aid,
                        "service_id": service,
                        "district": "changning",
                        "department": "housing",
                        "status": "approved",
                        "version": 5,
                        "channel": "web",
                        "submitted_at": now,
                        "time_limit_days": 15,
                        "deadline_date": now.date(),
                        "pending_materials": [],
                        "approved_on_commitment": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                enrolments.append(
                    {
                        "id": uuid.uuid4(),
                        "case_id": case_id,
                        "applicant_id": aid,
                        "district": "changning",
                        "policy_id": "changning.rent_subsidy",
                        "schedule": [1500] * 24,
                        "cap_total_cny": 36000,
                        "starts_on": date(2026, 12, 1),
                        "months_paid": 0,
                        "total_paid_cny": 0,
                        "status": "active",
                        "account_name": f"受益人{i}",
                        "bank_account_enc": account,
                        "bank_account_masked": "****3445",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            conn.execute(insert(User), users)
            conn.execute(insert(Applicant), applicants)
            conn.execute(insert(Application), apps)
            conn.execute(insert(Case), cases)
            conn.execute(insert(Enrolment), enrolments)
    engine.dispose()


async def run_cycle() -> dict[str, float]:
    from app.config import get_settings
    from app.db import make_engine, make_sessionmaker
    from app.domain.enums import Permission, UserKind
    from app.domain.principal import Principal
    from app.services import payments as subsidies

    engine = make_engine(get_settings())
    sm = make_sessionmaker(engine)
    async with sm() as session:
        from app.models import User

        # Two existing logins stand in for the finance maker and checker (the user FKs).
        ids = list((await session.execute(select(User.id).limit(2))).scalars())

    def staff(perm: Permission) -> Principal:
        return Principal(
            user_id=ids.pop(),
            session_id=uuid.uuid4(),
            kind=UserKind.STAFF,
            email="bench@x",
            language="zh",
            display_name="bench",
            staff_id=uuid.uuid4(),
            district="changning",
            department="finance",
            permissions=frozenset({perm}),
        )

    maker, checker = staff(Permission.PREPARE_PAYMENTS), staff(Permission.CHECK_PAYMENTS)
    timings: dict[str, float] = {}
    t = time.perf_counter()
    async with sm() as session, session.begin():
        cycle = await subsidies.generate_cycle(session, maker, date(2026, 12, 1))
    timings["compute_s"] = time.perf_counter() - t
    timings["entitlements"] = cycle.entitlements
    t = time.perf_counter()
    async with sm() as session, session.begin():
        await subsidies.review(session, maker, cycle.id)
    async with sm() as session, session.begin():
        await subsidies.approve(session, checker, cycle.id)
    timings["review_approve_s"] = time.perf_counter() - t
    t = time.perf_counter()
    async with sm() as session, session.begin():
        body = await subsidies.batch_file(session, maker, cycle.id)
    timings["export_s"] = time.perf_counter() - t
    timings["export_rows"] = body.count("\n") - 1
    await engine.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enrolments", type=int, default=10_000)
    args = parser.parse_args()
    name = f"talent_bench_h_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    try:
        t = time.perf_counter()
        setup(url, args.enrolments)
        print(
            f"setup: {args.enrolments} enrolments in {time.perf_counter() - t:.1f} s "
            f"(peak RSS so far {peak_rss_mb():.0f} MB)"
        )
        r = asyncio.run(run_cycle())
        total = r["compute_s"] + r["review_approve_s"]
        print(f"cycle computed: {int(r['entitlements'])} entitlements in {r['compute_s']:.1f} s")
        print(f"reviewed and approved: {r['review_approve_s']:.2f} s")
        print(f"computed + approved: {total:.1f} s (target <= 60 s)")
        print(f"bank file: {int(r['export_rows'])} rows in {r['export_s']:.1f} s")
        print(f"peak RSS of this process: {peak_rss_mb():.0f} MB")
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
