"""Shared fixtures. One fresh database per run (SQLite by default, PostgreSQL when
``TEST_DATABASE_URL`` names it), migrated to head by Alembic, as production is."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.dbutil import fresh_database, requested_url, rolled_back, sync_url

_TMP = tempfile.mkdtemp(prefix="talent-files-")
# Settings are read from the environment once; fix them before the app is imported.
os.environ.setdefault("TALENT_ENVIRONMENT", "test")
os.environ["TALENT_UPLOAD_DIR"] = os.path.join(_TMP, "uploads")
os.environ["TALENT_OUTBOX_DIR"] = os.path.join(_TMP, "outbox")
os.environ["TALENT_EXPORT_DIR"] = os.path.join(_TMP, "exports")
os.environ["TALENT_LOG_DIR"] = os.path.join(_TMP, "log")
# The suite signs in far more often than a person; the limiter itself has its own test.
os.environ["TALENT_RATE_LIMIT_LOGIN"] = "100000/minute"
os.environ["TALENT_RATE_LIMIT_PUBLIC"] = "100000/minute"
# Tests that send dozens of requests at once test what the database lets through (one lease of
# the last unit, one seat); load shedding would answer some of them 503 first. Shedding has its
# own test, with its own limits (tests/faults/test_overload.py).
os.environ.setdefault("TALENT_MAX_CONCURRENT_REQUESTS", "0")
os.environ["TALENT_LOG_LEVEL"] = "WARNING"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "shared_db(reason): in a module that uses isolated_db, this test runs on the shared "
        "database and keeps what it writes (it needs connections of its own)",
    )


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with fresh_database(requested_url()) as url:
        os.environ["TALENT_DATABASE_URL"] = url
        from app.config import get_settings
        from app.migrate import upgrade

        get_settings.cache_clear()
        upgrade(sync_url(url))
        yield url


@pytest.fixture(scope="session")
async def app(database_url: str) -> FastAPI:
    from app.main import create_app
    from app.services.calendar import sync_from_package
    from app.services.catalog import load_shipped_catalog

    application = create_app()
    async with application.state.sessionmaker() as session, session.begin():
        await load_shipped_catalog(session)
        await sync_from_package(session)
    return application


@pytest.fixture(scope="session")
def sessionmaker(app: FastAPI) -> async_sessionmaker[AsyncSession]:
    return app.state.sessionmaker  # type: ignore[no-any-return]


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def isolated_db(request: pytest.FixtureRequest, app: FastAPI) -> AsyncIterator[list[str]]:
    """What the test writes through the app is rolled back at its end (tests/dbutil.py,
    ``rolled_back``), so tests that use it do not see each other's rows: counts, queues,
    waiting lists and unique values start from what was committed before them (the suite's
    setup and the tests that do not use it). Used per module or class with
    ``pytest.mark.usefixtures("isolated_db")``; ``shared_db`` exempts a test.

    Not for a test that needs more than one connection: concurrent requests or sessions
    (asyncio.gather), locks and uniqueness between transactions, another engine, process or
    app instance reading or writing the database (workers, CLI commands, dumps, the pool's
    own tests). Those commit, as everything did before, and are left out per module (see the
    note at the end of this file) or marked ``shared_db`` with the reason.

    The value is the list of problems found (two sessions open at once); any fails the test.
    """
    if request.node.get_closest_marker("shared_db"):
        yield []
        return
    async with rolled_back(app.state.sessionmaker, app.state.engine) as problems:
        yield problems
    if problems:
        pytest.fail("; ".join(dict.fromkeys(problems)), pytrace=False)


# Where isolated_db is used, and where not.
#
# Used (module-wide) by the integration modules whose tests go through the app and its
# services: admin_services, audit, auth_api, cases_api, documents, eligibility_api,
# held_answers, housing, isolation, notifications, outbox_worker, reevaluation,
# sessions_and_pages, settlement_bundle, subsidies, window_api. Without it they read what
# earlier tests left: the department queues and their paging, scheduler runs over every due
# case, deliveries of every pending outbox message (batches of 500, leases over the whole
# backlog), a district's waiting list, payment cycles and budgets, the audit log an auditor
# pages through, catalog services an admin edits. In them, ``shared_db`` marks the tests that
# need transactions of their own: concurrent requests, sessions or workers racing for a lock
# or a unique key, a background or separate worker process.
#
# Left out:
# - test_admin_calendar: the worker keeps the calendar it read by revision number
#   (app.services.calendar), and a rollback takes the revision back, so the next edit would
#   reuse a number for other days; these tests commit and put the days back themselves.
# - test_db_connections, test_migrations: engines and databases of their own; nothing goes
#   through the app's sessionmaker.
# - test_security: dumps the database file (or pg_dump) to look for plaintext, which needs
#   committed rows, and builds app instances and a uvicorn server of its own on the database.
# - test_settlement_routes, test_verification_clients: write nothing to the database.
# - tests/browser: the portal runs in a server process of its own, with its own connections.
