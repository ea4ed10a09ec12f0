"""Engine, sessions and the one-transaction-per-request scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.config import Settings
from app.errors import AppError


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the writer; FULL survives power loss, not just process crashes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    # Take over transaction control so that every transaction can start with BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn: Any) -> None:
    # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when
    # another writer committed in between; IMMEDIATE waits on busy_timeout instead.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        from pathlib import Path

        path = settings.database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: a failed statement's text (logged, or in an IntegrityError) would
        # otherwise carry the bound values - emails, names, ID indexes.
        engine = create_async_engine(settings.database_url, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_pre_ping=True,
        pool_timeout=10,
        hide_parameters=True,
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: commit after the handler, roll back on any error.

    Services only flush; nothing else commits.
    """
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
        except AppError as exc:
            if exc.preserve_writes:
                await session.commit()
            else:
                await session.rollback()
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


# scope="function" commits before the response is sent, so a failed commit is never a 200.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
