"""One payment run on PostgreSQL: 100,000 monthly rent-subsidy enrolments and 20,000 one-off
grants (approved skills subsidies) computed (the subsidies' lapsing conditions re-checked
through the vectorised rules path, the grants taken set-based), reviewed by a maker, approved by
a different checker, written to one bank file (streamed from a server-side cursor) and
reconciled from the bank's result file (every line paid, each beneficiary told). Prints the
seconds and rows per second of each phase and the process's peak RSS.

    .venv/bin/python bench/payments.py [--enrolments 100000] [--grants 20000]

Target: all phases in <= 60 s with peak RSS < 500 MB. A fresh database is created, migrated by
Alembic, bulk-loaded (setup, not measured) and dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
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
MONTH = date(2026, 12, 1)


def setup_grants(n: int) -> None:
    """``n`` approved skills-subsidy cases of Changning, each with its grant ready to pay."""
    from app.config import get_settings
    from app.models import Applicant, Application, Case, GrantPayment, Service, User
    from app.services import protection

    engine = create_engine(get_settings().sync_database_url)
    now = datetime.now(UTC)
    account = protection.cipher().encrypt("6222020200199887766", "subsidy.bank_account")
    with engine.begin() as conn:
        service = conn.execute(
            select(Service.id).where(
                Service.code == "skills_subsidy", Service.district == "changning"
            )
        ).scalar_one()
        for start in range(0, n, 2000):
            users, applicants, apps, cases, grants = [], [], [], [], []
            for i in range(start, min(n, start + 2000)):
                uid, aid, app_id, case_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
                users.append(
                    {
                        "id": uid,
                        "email": f"g{i}@bench.cn",
                        "password_hash": "x",
                        "kind": "applicant",
                        "language": "zh" if i % 2 else "en",
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
                        "full_name": f"技能{i}",
                        "id_kind": "resident_id",
                        "id_number_enc": b"x",
                        "id_number_index": f"bench-g-{i}",
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
                        "answers": {"certificate_level": 3},
                        "documents": {},
                        "channel": "web",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                cases.append(
                    {
                        "id": case_id,
                        "number": f"CN-G-{i:07d}",
                        "lookup_code_enc": b"x",
                        "application_id": app_id,
                        "applicant_id": aid,
                        "service_id": service,
                        "district": "changning",
                        "department": "hr_bureau",
                        "status": "approved",
                        "version": 5,
                        "channel": "web",
                        "submitted_at": now,
                        "time_limit_days": 15,
                        "deadline_date": now.date(),
                        "pending_materials": [],
                        "approved_on_commitment": False,
                        "decided_amount_cny": 2500,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                grants.append(
                    {
                        "id": uuid.uuid4(),
                        "case_id": case_id,
                        "service_id": service,
                        "district": "changning",
                        "applicant_id": aid,
                        "beneficiary_name": f"技能{i}",
                        "amount_cny": 2500,
                        "status": "ready",
                        "account_name": f"技能{i}",
                        "bank_account_enc": account,
                        "bank_account_masked": "****7766",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            conn.execute(insert(User), users)
            conn.execute(insert(Applicant), applicants)
            conn.execute(insert(Application), apps)
            conn.execute(insert(Case), cases)
            conn.execute(insert(GrantPayment), grants)
    engine.dispose()


def result_file(batch: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["entitlement_id", "status", "reference", "reason"])
    for row in csv.DictReader(io.StringIO(batch)):
        writer.writerow([row["entitlement_id"], "paid", f"B{row['entitlement_id'][:12]}", ""])
    return out.getvalue()


async def run() -> dict[str, float]:
    from app.config import get_settings
    from app.db import make_engine, make_sessionmaker
    from app.domain.enums import Permission, UserKind
    from app.domain.principal import Principal
    from app.models import User
    from app.services import payments, wiring

    wiring.install()
    engine = make_engine(get_settings())
    sm = make_sessionmaker(engine)
    async with sm() as session:
        # Two existing logins stand in for the finance maker and checker (the user FKs).
        ids = list((await session.execute(select(User.id).limit(2))).scalars())

    def staff(*perms: Permission) -> Principal:
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
            permissions=frozenset(perms),
        )

    maker = staff(Permission.PREPARE_PAYMENTS)
    checker = staff(Permission.CHECK_PAYMENTS)
    out: dict[str, float] = {}

    t = time.perf_counter()
    async with sm() as session, session.begin():
        cycle = await payments.generate_cycle(session, maker, MONTH)
    out["compute_s"] = time.perf_counter() - t
    out["lines"], out["one_off"] = cycle.entitlements, cycle.one_off

    t = time.perf_counter()
    async with sm() as session, session.begin():
        await payments.review(session, maker, cycle.id)
    async with sm() as session, session.begin():
        await payments.approve(session, checker, cycle.id)
    out["review_approve_s"] = time.perf_counter() - t

    t = time.perf_counter()
    async with sm() as session, session.begin():
        batch = await payments.batch_file(session, maker, cycle.id)
    out["bank_file_s"] = time.perf_counter() - t
    out["bank_rows"] = batch.count("\n") - 1
    results = result_file(batch)
    del batch

    t = time.perf_counter()
    async with sm() as session, session.begin():
        done = await payments.reconcile(session, maker, cycle.id, results)
    out["reconcile_s"] = time.perf_counter() - t
    out["reconciled"] = 1.0 if done.status == "reconciled" else 0.0
    await engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enrolments", type=int, default=100_000)
    parser.add_argument("--grants", type=int, default=20_000)
    args = parser.parse_args()
    name = f"talent_bench_p_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    try:
        from bench.housing import peak_rss_mb
        from bench.housing import setup as setup_enrolments

        t = time.perf_counter()
        setup_enrolments(url, args.enrolments)
        setup_grants(args.grants)
        print(
            f"setup (not measured): {args.enrolments} enrolments, {args.grants} grants in "
            f"{time.perf_counter() - t:.1f} s"
        )
        r = asyncio.run(run())
        lines = int(r["lines"])
        phases = [
            ("computed", r["compute_s"]),
            ("reviewed + approved", r["review_approve_s"]),
            ("bank file", r["bank_file_s"]),
            ("reconciled", r["reconcile_s"]),
        ]
        print(f"run: {lines} lines, of which {int(r['one_off'])} one-off grants")
        for phase, seconds in phases:
            print(f"  {phase:<20} {seconds:6.1f} s  {lines / max(seconds, 1e-9):9.0f} rows/s")
        total = sum(s for _p, s in phases)
        print(f"  {'total':<20} {total:6.1f} s  (target <= 60 s)")
        print(f"bank file rows: {int(r['bank_rows'])}; reconciled: {bool(r['reconciled'])}")
        print(f"peak RSS of this process: {peak_rss_mb():.0f} MB (target < 500 MB)")
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
