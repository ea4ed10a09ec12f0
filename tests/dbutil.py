"""Test databases: a fresh one per run, made only by Alembic migrations, dropped afterwards."""

from __future__ import annotations

import os
import tempfile
import uuid
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, SessionTransaction

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def requested_url() -> str:
    """``TEST_DATABASE_URL``: ``sqlite`` (the default) or a PostgreSQL URL."""
    return os.environ.get("TEST_DATABASE_URL", "sqlite")


@contextmanager
def fresh_database(requested: str) -> Iterator[str]:
    """Yields an async SQLAlchemy URL of a new, empty database; removes it afterwards."""
    if requested.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="talent-test-") as tmp:
            yield f"sqlite+aiosqlite:///{Path(tmp) / 'test.db'}"
        return
    url = make_url(requested if "://" in requested else DEFAULT_PG)
    name = f"talent_test_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise RuntimeError(f"PostgreSQL not reachable at {url.host}:{url.port}: {exc}") from exc
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        driver = url.drivername if "+" in url.drivername else "postgresql+asyncpg"
        yield url.set(drivername=driver, database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sync_url(async_url: str) -> str:
    return async_url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")


# --- One rolled-back transaction per test --------------------------------------------------
#
# The app's sessions commit (one transaction per request, services' own sessions). For a test
# that runs under ``rolled_back``, the app's sessionmaker is bound to one connection inside an
# outer transaction, with ``join_transaction_mode="create_savepoint"``: every session opens a
# SAVEPOINT on that connection, its commit releases the savepoint and its rollback goes back
# to it, so the app behaves as if it committed, and the outer ROLLBACK at the end takes away
# everything the test wrote. SQLAlchemy documents this recipe as "Joining a Session into an
# External Transaction (such as for test suites)".
#
# SQLite: pysqlite/aiosqlite begin transactions on their own and break SAVEPOINT; the app's
# engine already takes that over (``isolation_level = None`` and BEGIN IMMEDIATE on the
# engine's "begin" event, app/db.py), which is the recipe SQLAlchemy gives for working
# savepoints. The outer BEGIN IMMEDIATE holds the write lock for the whole test, so nothing
# else may write to the database meanwhile (another engine would wait on busy_timeout).
#
# One connection serves every session of the test, so two sessions must never be open on it
# at once: their savepoints would nest, and the outer session's rollback would silently undo
# the inner one's "commit" (or, ended out of order, fail). That is what concurrent requests
# (asyncio.gather) or a test reading in a session while the app writes would do; the guard
# below refuses it at once and fails the test, rather than letting it pass on other data.

_GUARD = "tests.rolled_back"


class OverlappingSessions(RuntimeError):
    """Two sessions were open at once on a rolled-back test's single connection."""


@dataclass
class _Guard:
    open: weakref.WeakSet[Session] = field(default_factory=weakref.WeakSet)
    problems: list[str] = field(default_factory=list)


class RolledBackSession(Session):
    """The sessions of a rolled-back test: one open at a time (see above)."""


@event.listens_for(RolledBackSession, "after_transaction_create")
def _one_at_a_time(session: Session, transaction: SessionTransaction) -> None:
    # Checked when the session's transaction starts, before it takes the connection: the
    # refused session never sends a statement, so the connection stays in a known state
    # (asyncpg refuses a second operation in flight, and its transaction bookkeeping breaks).
    if transaction.parent is not None:
        return  # a nested transaction of the session that is already open
    guard: _Guard = session.info[_GUARD]
    if any(other is not session for other in guard.open):
        problem = (
            "two sessions were open at once on the test's one connection; the test needs "
            "connections of its own: mark it @pytest.mark.shared_db(reason=...)"
        )
        guard.problems.append(problem)
        raise OverlappingSessions(problem)
    guard.open.add(session)


@event.listens_for(RolledBackSession, "after_transaction_end")
def _closed(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info[_GUARD].open.discard(session)


@asynccontextmanager
async def rolled_back(
    sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> AsyncIterator[list[str]]:
    """Binds ``sessionmaker`` (in place, so every holder of it is bound) to one connection in
    a transaction that is rolled back afterwards; restores its configuration after.

    Yields the list of problems the guard found; the caller fails the test on any."""
    saved = dict(sessionmaker.kw)
    guard = _Guard()
    async with engine.connect() as connection:
        outer = await connection.begin()
        sessionmaker.configure(
            bind=connection,
            join_transaction_mode="create_savepoint",
            sync_session_class=RolledBackSession,
            info={**saved.get("info", {}), _GUARD: guard},
        )
        try:
            yield guard.problems
            if len(guard.open):
                guard.problems.append("a session was still open when the test ended")
        finally:
            sessionmaker.kw = saved
            try:
                await outer.rollback()
            finally:
                if guard.problems or outer.is_active:
                    # Not back to the pool in a state the next test cannot trust.
                    await connection.invalidate()
