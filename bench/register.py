"""The talent register read by the rules: 200,000 memberships on PostgreSQL, and one person's
eligibility check against every policy with their verified memberships from the register.

    .venv/bin/python bench/register.py [--memberships 200000] [--checks 500]

Prints two figures, measured apart: the register query (one per check: the person's programmes
valid on the day, app.services.verified_facts) and the rules (one applicant x all policies,
explanations and hints, target p95 <= 5 ms excluding the query). Nothing asserts on time: a
busy machine must not fail a build. A fresh database is created, migrated by Alembic,
bulk-loaded (setup, not measured) and dropped at the end.
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
# The first day the policies read verified memberships (their 2026-12-07 versions); on an
# earlier day the rules would never look at what the register query returned.
AS_OF = date(2026, 12, 7)
PER_PERSON = 4  # memberships per person on average (current and expired)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def setup(url: str, memberships: int) -> list[uuid.UUID]:
    os.environ["TALENT_DATABASE_URL"] = url
    from app.config import get_settings

    get_settings.cache_clear()
    from app.migrate import upgrade

    upgrade(get_settings().sync_database_url)
    from app.models import Applicant, TalentRegisterEntry, User
    from app.rules import VALUE_LABELS

    codes = list(VALUE_LABELS["verified_talent_programs"])
    rng = random.Random(16)
    people = memberships // PER_PERSON
    engine = create_engine(get_settings().sync_database_url)
    now = datetime.now(UTC)
    ids: list[uuid.UUID] = []
    with engine.begin() as conn:
        for start in range(0, people, 5000):
            users, applicants, entries = [], [], []
            for i in range(start, min(people, start + 5000)):
                uid, aid = uuid.uuid4(), uuid.uuid4()
                ids.append(aid)
                users.append(
                    {
                        "id": uid,
                        "email": f"r{i}@bench.cn",
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
                        "full_name": f"人才{i}",
                        "id_kind": "resident_id",
                        "id_number_enc": b"x",
                        "id_number_index": f"bench-r-{i}",
                        "id_number_masked": "310***",
                        "nationality": "CN",
                        "profile_facts": {},
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                for _ in range(PER_PERSON):
                    granted = AS_OF - timedelta(days=rng.randint(0, 3650))
                    ends = rng.random() < 0.6
                    entries.append(
                        {
                            "id": uuid.uuid4(),
                            "applicant_id": aid,
                            "district": rng.choice(["yangpu", "changning"]),
                            "programme": rng.choice(codes),
                            "level": None,
                            "granted_on": granted,
                            "valid_until": granted + timedelta(days=rng.randint(365, 1825))
                            if ends
                            else None,
                            "source": "outside_record",
                            "issuer": "上海市人才工作领导小组办公室",
                            "organisation_name": f"单位{rng.randint(1, 2000)}",
                            "organisation_code": None,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
            conn.execute(insert(User), users)
            conn.execute(insert(Applicant), applicants)
            conn.execute(insert(TalentRegisterEntry), entries)
        conn.exec_driver_sql("ANALYZE talent_register_entry")
    engine.dispose()
    return ids


async def measure(ids: list[uuid.UUID], checks: int) -> tuple[list[float], list[float], int]:
    from app.config import get_settings
    from app.db import make_engine, make_sessionmaker
    from app.rules import load_library
    from app.rules.samples import random_profile
    from app.services import verified_facts

    library = load_library()
    rng = random.Random(20261122)
    engine = make_engine(get_settings())
    sm = make_sessionmaker(engine)
    query_ms: list[float] = []
    rules_ms: list[float] = []
    verified_total = 0
    people = rng.sample(ids, checks + 50)
    async with sm() as session:
        for n, person in enumerate(people):
            profile = random_profile(rng, AS_OF)
            profile.pop("verified_talent_programs", None)
            start = time.perf_counter()
            vouched = await verified_facts.for_person(session, person, AS_OF)
            queried = time.perf_counter()
            results = library.evaluate({**profile, **vouched}, AS_OF, lang="zh")
            done = time.perf_counter()
            assert len(results) == len(library.policy_ids())
            if n < 50:
                continue  # warm-up: connection, statement cache, compiled policies
            verified_total += len(vouched["verified_talent_programs"])
            query_ms.append((queried - start) * 1000)
            rules_ms.append((done - queried) * 1000)
    await engine.dispose()
    return query_ms, rules_ms, verified_total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--memberships", type=int, default=200_000)
    parser.add_argument("--checks", type=int, default=500)
    args = parser.parse_args()
    name = f"talent_bench_r_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    try:
        t = time.perf_counter()
        ids = setup(url, args.memberships)
        print(
            f"setup: {args.memberships} memberships of {len(ids)} people "
            f"in {time.perf_counter() - t:.1f} s"
        )
        query_ms, rules_ms, verified = asyncio.run(measure(ids, args.checks))
        from app.rules import load_library

        policies = len(load_library().policy_ids())
        print(
            f"checks: {len(rules_ms)} people, {verified / len(rules_ms):.2f} verified "
            f"programmes each on {AS_OF}; load average {os.getloadavg()[0]:.2f}"
        )
        print(
            f"register query: p50 {statistics.median(query_ms):.2f} ms, "
            f"p95 {percentile(query_ms, 0.95):.2f} ms (one query per check)"
        )
        print(
            f"rules, 1 applicant x {policies} policies: p50 {statistics.median(rules_ms):.2f} ms, "
            f"p95 {percentile(rules_ms, 0.95):.2f} ms (target p95 <= 5 ms, query excluded)"
        )
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
