"""Engine, sessions and the one-transaction-per-request scope."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from app.config import Settings
from app.errors import (
    AppError,
    AuthenticationRequired,
    DatabaseUnavailable,
    NotFound,
    NotFoundAudited,
    PermissionDenied,
)
from app.services import audit


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


def _json_dumps(value: Any) -> str:
    # Dictionaries keyed by numbers are written as the standard library writes them.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _sqlite_query_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _sqlite_begin_deferred(conn: Any) -> None:
    # A reader needs no write lock (IMMEDIATE would queue it behind every writer).
    conn.exec_driver_sql("BEGIN")


# Per pooled connection (see _engine); PostgreSQL keeps each backend's plans in its memory.
PREPARED_STATEMENTS_PER_CONNECTION = 500


def make_engine(settings: Settings) -> AsyncEngine:
    return _engine(settings, settings.database_url, read_only=False)


def make_read_engine(settings: Settings) -> AsyncEngine | None:
    """The read replica's engine (``database_read_url``), or None when there is none. Its
    transactions are read-only (PostgreSQL ``BEGIN READ ONLY``, SQLite ``query_only``), so a
    page that wrote through it would fail at once even where the URL names the primary,
    instead of only on a real standby in production."""
    if not settings.database_read_url:
        return None
    return _engine(settings, settings.database_read_url, read_only=True)


def _engine(settings: Settings, url: str, *, read_only: bool) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: a failed statement's text (logged, or in an IntegrityError) would
        # otherwise carry the bound values - emails, names, ID indexes.
        engine = create_async_engine(
            url,
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
            hide_parameters=True,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if read_only:
            event.listen(engine.sync_engine, "connect", _sqlite_query_only)
            event.listen(engine.sync_engine, "begin", _sqlite_begin_deferred)
        else:
            event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    # Every request the shedder admits keeps a pooled connection: with fewer, the ones beyond the
    # pool are overflow connections, opened for one request and closed on return (a backend
    # forked, TLS tried, statements prepared again: about a third of a case read's cost when a
    # bench ran 16 requests a worker against a pool of 10).
    # The overflow keeps the documented budget of 2 x db_pool_size connections a worker
    # (deploy/docker-compose.yml), unless the shedder admits more requests than that at once.
    size = max(settings.db_pool_size, settings.max_concurrent_requests)
    overflow = max(2 * settings.db_pool_size - size, 0)
    engine = create_async_engine(
        url,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        pool_size=size,
        max_overflow=overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        hide_parameters=True,
        execution_options={"postgresql_readonly": True} if read_only else {},
        # Each pooled connection keeps its prepared statements in an LRU of this size. The
        # default (100) is fewer than the statements the portal's pages use between them, so a
        # mixed load evicted and prepared them again (a round trip each) all day.
        connect_args={"prepared_statement_cache_size": PREPARED_STATEMENTS_PER_CONNECTION},
    )
    _ping_idle_connections(engine, settings.db_ping_after_idle_seconds)
    return engine


_CHECKED_IN_AT = "talent_checked_in_at"


def _ping_idle_connections(engine: AsyncEngine, idle_seconds: float) -> None:
    """Pessimistic disconnect handling for connections that sat idle in the pool (the database
    may have restarted meanwhile): they are pinged on checkout, and a failed ping invalidates
    the pool, so the request gets a new connection. ``pool_pre_ping`` would ping every checkout,
    which with asyncpg is three round trips (BEGIN, a ping, ROLLBACK) on every request; a
    connection back from a request less than ``idle_seconds`` ago is taken as alive. If the
    database went away within that moment, the statement fails and SQLAlchemy invalidates the
    pool then (optimistic handling), as for a connection lost mid-request."""
    dialect = engine.sync_engine.dialect

    def checked_in(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    def checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        returned = record.info.get(_CHECKED_IN_AT)
        # A connection never checked in was opened just now.
        if returned is None or time.monotonic() - returned < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            reason = f"ping of an idle connection failed: {type(exc).__name__}"
            raise InvalidatePoolError(reason) from exc

    event.listen(engine.sync_engine, "checkin", checked_in)
    event.listen(engine.sync_engine, "checkout", checkout)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: commit after the handler, roll back on any error.

    Services only flush; nothing else commits, and no router rolls back: a page that answers a
    failed post with its form again raises too (app.core.forms.PageError).
    """
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
        except AppError as exc:
            await _settle(session, exc, request)
            raise
        except BaseException as exc:
            await session.rollback()
            if _connection_lost(exc) or isinstance(exc, PoolTimeout):
                raise DatabaseUnavailable() from exc
            raise
        else:
            try:
                await session.commit()
            except DBAPIError as exc:
                if _connection_lost(exc):
                    raise DatabaseUnavailable() from exc
                raise


def _connection_lost(exc: BaseException) -> bool:
    """The request's connection died under it (terminated backend, database restart): the
    pool has invalidated it already, so the next request gets a new one; this one is answered
    503 with Retry-After rather than 500. So is a request that waited db_pool_timeout_seconds
    for a connection of a full pool (PoolTimeout): nothing was done, a retry is safe."""
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


async def _settle(session: AsyncSession, exc: AppError, request: Request) -> None:
    """Undo the failed work, except writes the error asks to keep (failed-login counts and
    audited lookups); then whatever the error's answer reads (AppError.after_settle) and the
    audit entry of a refused request run in a transaction of their own, committed like a
    request's."""
    if exc.preserve_writes:
        await session.commit()
    else:
        await session.rollback()
    try:
        await exc.after_settle()
        await _audit_refusal(session, exc, request)
    except BaseException:
        await session.rollback()
        raise
    await session.commit()


async def _audit_refusal(session: AsyncSession, exc: AppError, request: Request) -> None:
    """Auditors see every refused request to a protected resource, with the user when known:
    no sign-in (401), no permission (403), or a record the caller may not see (404 answers
    a signed-in caller for another's record as for none). A 404 to a visitor who is not
    signed in concerns nothing protected (protected routes answer them 401 first)."""
    # A lookup that found no one is audited by the lookup itself.
    if not isinstance(exc, AuthenticationRequired | PermissionDenied | NotFound) or isinstance(
        exc, NotFoundAudited
    ):
        return
    principal = getattr(request.state, "principal", None)
    if isinstance(exc, NotFound) and principal is None:
        return
    route = request.scope.get("route")
    await audit.record_refusal(
        session,
        principal=principal,
        client_ip=request.client.host if request.client else None,
        method=request.method,
        path=request.url.path,
        route=getattr(route, "path", None),
        status=exc.status_code,
        code=exc.code,
    )


# scope="function" commits before the response is sent, so a failed commit is never a 200.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_read_session(request: Request, primary: SessionDep) -> AsyncIterator[AsyncSession]:
    """A read-only page's session: on the read replica when one is set, otherwise the request's
    own session (one connection, as before). The caller is still resolved, and refusals still
    audited, on the primary (``primary``): a replica lags, and cannot be written. A form page
    on such a route passes its context as a dict (read before the error): a context read in
    ``after_settle`` would run after this session is closed."""
    replica: async_sessionmaker[AsyncSession] | None = getattr(
        request.app.state, "read_sessionmaker", None
    )
    if replica is None:
        yield primary
        return
    # Closing the session ends its transaction (nothing to commit) and gives the connection
    # back before the answer is sent (scope="function").
    async with replica() as session:
        try:
            yield session
        except (DBAPIError, PoolTimeout) as exc:
            if isinstance(exc, PoolTimeout) or _connection_lost(exc):
                raise DatabaseUnavailable() from exc
            raise


ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
