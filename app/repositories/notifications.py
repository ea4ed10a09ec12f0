"""Outbox rows and the in-app message centre: insert idempotently, claim, settle, list, read.

Claiming is safe with several workers: PostgreSQL locks the chosen rows with ``FOR UPDATE SKIP
LOCKED`` so concurrent claimers take different rows; SQLite serialises writers because every
transaction starts with ``BEGIN IMMEDIATE`` (``app.db``). A claim is a lease (``locked_until``),
not a held lock, so no transaction stays open while a message travels over the network.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Subquery, and_, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Applicant, InAppMessage, OutboxMessage, User
from app.repositories.bulk import json_serializer
from app.workflow.outbox import OUTBOX, OutboxEvent, OutboxStatus

# Rows move only in UPDATEs guarded by ``status = pending``: the guard is the table's check, so
# each new status is the move the table makes from pending.
_SENT = OUTBOX.advance(OutboxStatus.PENDING, OutboxEvent.DELIVER)
_FAILED = OUTBOX.advance(OutboxStatus.PENDING, OutboxEvent.GIVE_UP)
_ERROR_MAX = 500


@dataclass(frozen=True)
class Contact:
    kind: str  # applicant | staff | employer
    email: str | None
    mobile: str | None


@dataclass(frozen=True)
class ClaimedMessage:
    """A leased outbox row with the recipient's current addresses, detached from any session."""

    id: uuid.UUID
    recipient_user_id: uuid.UUID
    channel: str
    template: str
    language: str
    payload: dict[str, object]
    attempts: int
    created_at: datetime
    lease: datetime
    contact: Contact


def _contacts() -> Subquery:
    return (
        select(User.id, User.kind, User.email, Applicant.mobile)
        .outerjoin(Applicant, Applicant.user_id == User.id)
        .subquery()
    )


def _addressed(payload: Mapping[str, object], own: Contact) -> Contact:
    """The addresses a message goes to: those written on it for someone without an account
    (``notifications.Notice.to``), else the recipient's current ones."""
    to = payload.get("to")
    if not isinstance(to, dict):
        return own
    email, mobile = to.get("email"), to.get("mobile")
    return Contact(
        kind="invitee",
        email=email if isinstance(email, str) else None,
        mobile=mobile if isinstance(mobile, str) else None,
    )


async def contact_for(session: AsyncSession, user_id: uuid.UUID) -> Contact | None:
    contacts = _contacts()
    stmt = select(contacts.c.kind, contacts.c.email, contacts.c.mobile).where(
        contacts.c.id == user_id
    )
    row = (await session.execute(stmt)).first()
    return Contact(kind=row.kind, email=row.email, mobile=row.mobile) if row else None


# Inserts that skip a repeated event, built once per dialect (SQLAlchemy's compiled cache).
_ADD = {
    "postgresql": pg_insert(OutboxMessage).on_conflict_do_nothing(index_elements=["dedup_key"]),
    "sqlite": sqlite_insert(OutboxMessage).on_conflict_do_nothing(index_elements=["dedup_key"]),
}


async def insert_outbox_rows(
    session: AsyncSession, rows: Sequence[dict[str, object]]
) -> list[OutboxMessage]:
    """Inserts rows whose ``dedup_key`` is new and returns the rows for all keys, old and new.

    ON CONFLICT DO NOTHING makes a repeated event (a retried request, a re-run job) a no-op
    even when two transactions race, where a read-then-insert would fail one of them.
    """
    if not rows:
        return []
    # A parameter list (not .values(rows)) keeps the statement in SQLAlchemy's compiled cache.
    stmt = _ADD[session.get_bind().dialect.name].returning(OutboxMessage)
    inserted = (await session.scalars(stmt, list(rows))).all()
    by_key = {msg.dedup_key: msg for msg in inserted}
    keys = [str(row["dedup_key"]) for row in rows]
    if missing := [key for key in keys if key not in by_key]:
        # The event was enqueued before (a retry): hand back the rows it made then.
        found = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedup_key.in_(missing))
        )
        by_key.update({msg.dedup_key: msg for msg in found})
    return [by_key[key] for key in keys]


async def add_outbox_rows(session: AsyncSession, rows: Sequence[Mapping[str, object]]) -> None:
    """Inserts rows whose ``dedup_key`` is new, without reading any back: the cheap path for
    callers that only need the messages to go out (every submission and transition).

    Core rows rather than ORM objects: building and tracking objects nobody reads cost more
    than the insert itself."""
    if not rows:
        return
    conn = await session.connection()
    if conn.dialect.name != "postgresql":
        await conn.execute(_ADD[conn.dialect.name], list(rows))
        return
    # On PostgreSQL the rows travel as one array per column: a payment run's notices are a
    # couple of hundred thousand rows, which as parameters each cost more than the insert.
    dumps = json_serializer(conn)
    dumped: dict[int, str] = {}  # one event's rows (one per channel) share their payload
    for start in range(0, len(rows), 20_000):
        chunk = rows[start : start + 20_000]
        payloads = []
        for row in chunk:
            payload = row["payload"]
            if id(payload) not in dumped:
                dumped[id(payload)] = dumps(payload)
            payloads.append(dumped[id(payload)])
        await conn.execute(
            _ADD_PG,
            {
                "ids": [r["id"] for r in chunk],
                "keys": [r["dedup_key"] for r in chunk],
                "users": [r["recipient_user_id"] for r in chunk],
                "channels": [r["channel"] for r in chunk],
                "templates": [r["template"] for r in chunk],
                "languages": [r["language"] for r in chunk],
                "payloads": payloads,
                "statuses": [r.get("status", OutboxStatus.PENDING.value) for r in chunk],
                "attempts": [r.get("attempts", 0) for r in chunk],
                "next_at": [r["next_attempt_at"] for r in chunk],
                "locked": [r.get("locked_until") for r in chunk],
                "created": [r["created_at"] for r in chunk],
            },
        )


_ADD_PG = text(
    "INSERT INTO outbox_message (id, dedup_key, recipient_user_id, channel, template, language,"
    " payload, status, attempts, next_attempt_at, locked_until, created_at)"
    " SELECT u.id, u.dedup_key, u.user_id, u.channel, u.template, u.language,"
    " CAST(u.payload AS json), u.status, u.attempts, u.next_at, u.locked, u.created"
    " FROM unnest(CAST(:ids AS uuid[]), CAST(:keys AS text[]), CAST(:users AS uuid[]),"
    " CAST(:channels AS text[]), CAST(:templates AS text[]), CAST(:languages AS text[]),"
    " CAST(:payloads AS text[]), CAST(:statuses AS text[]), CAST(:attempts AS integer[]),"
    " CAST(:next_at AS timestamptz[]), CAST(:locked AS timestamptz[]),"
    " CAST(:created AS timestamptz[]))"
    " AS u(id, dedup_key, user_id, channel, template, language, payload, status, attempts,"
    " next_at, locked, created)"
    " ON CONFLICT (dedup_key) DO NOTHING"
)


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until <= now),
    )


async def fail_exhausted(session: AsyncSession, *, now: datetime, max_attempts: int) -> int:
    """Gives up on rows whose last allowed attempt never reported back (the worker died)."""
    stmt = (
        update(OutboxMessage)
        .where(_due(now), OutboxMessage.attempts >= max_attempts)
        .values(
            status=_FAILED,
            locked_until=None,
            last_error=func.coalesce(OutboxMessage.last_error, "delivery did not complete"),
        )
    )
    result = await session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


async def claim_due(
    session: AsyncSession, *, now: datetime, lease: datetime, limit: int, max_attempts: int
) -> list[ClaimedMessage]:
    """Leases up to ``limit`` due rows until ``lease`` and counts the attempt now, so a message
    that kills its worker every time still runs out of attempts."""
    pick = (
        select(OutboxMessage.id)
        .where(_due(now), OutboxMessage.attempts < max_attempts)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list((await session.execute(pick)).scalars())
    if not ids:
        return []
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(locked_until=lease, attempts=OutboxMessage.attempts + 1)
    )
    contacts = _contacts()
    stmt = (
        select(OutboxMessage, contacts.c.kind, contacts.c.email, contacts.c.mobile)
        .join(contacts, contacts.c.id == OutboxMessage.recipient_user_id)
        .where(OutboxMessage.id.in_(ids))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.created_at)
        .execution_options(populate_existing=True)
    )
    claimed = []
    for msg, kind, email, mobile in (await session.execute(stmt)).all():
        claimed.append(
            ClaimedMessage(
                id=msg.id,
                recipient_user_id=msg.recipient_user_id,
                channel=msg.channel,
                template=msg.template,
                language=msg.language,
                payload=dict(msg.payload),
                attempts=msg.attempts,
                created_at=msg.created_at,
                lease=lease,
                contact=_addressed(msg.payload, Contact(kind=kind, email=email, mobile=mobile)),
            )
        )
    return claimed


async def mark_sent(session: AsyncSession, message_id: uuid.UUID, *, now: datetime) -> None:
    # No lease check: if a slow worker and its successor both delivered, "sent" is true either
    # way, and the channels deduplicate by outbox id.
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=_SENT, sent_at=now, locked_until=None, last_error=None)
    )


async def record_failure(
    session: AsyncSession,
    claimed: ClaimedMessage,
    *,
    error: str,
    retry_at: datetime | None,
) -> bool:
    """Schedules the next attempt at ``retry_at``, or fails the row for good when it is None.
    Only the holder of the current lease may do so; returns False when the lease was lost."""
    values: dict[str, object] = {"locked_until": None, "last_error": error[:_ERROR_MAX]}
    if retry_at is None:
        values["status"] = _FAILED
    else:
        values["next_attempt_at"] = retry_at
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == claimed.id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.locked_until == claimed.lease,
        )
        .values(**values)
    )
    return bool(getattr(result, "rowcount", 0))


async def release(session: AsyncSession, claimed: Sequence[ClaimedMessage]) -> None:
    """Hands back leased rows that were not tried, without counting an attempt."""
    for msg in claimed:
        await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == msg.id,
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.locked_until == msg.lease,
            )
            .values(locked_until=None, attempts=OutboxMessage.attempts - 1)
        )


async def add_inapp_once(
    session: AsyncSession,
    claimed: ClaimedMessage,
    *,
    case_id: uuid.UUID | None,
    subject: str,
    body: str,
) -> None:
    """The in-app channel is the database itself: the message and the "sent" mark commit
    together, and ``outbox_id`` is unique, so it can never be delivered twice."""
    # ON CONFLICT DO NOTHING: a second worker delivering the same message at the same moment
    # is a no-op instead of an integrity error that would abort its batch.
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(InAppMessage)
        .values(
            id=uuid.uuid4(),
            user_id=claimed.recipient_user_id,
            outbox_id=claimed.id,
            case_id=case_id,
            subject=subject,
            body=body,
            # Event time, not delivery time: the message centre lists what happened in order.
            created_at=claimed.created_at,
        )
        .on_conflict_do_nothing(index_elements=["outbox_id"])
    )


async def list_inapp(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    limit: int,
    before: tuple[datetime, uuid.UUID] | None = None,
) -> list[InAppMessage]:
    """Newest first; ``before`` is the keyset cursor (created_at, id) of the last row seen."""
    stmt = (
        select(InAppMessage)
        .where(InAppMessage.user_id == user_id)
        .order_by(InAppMessage.created_at.desc(), InAppMessage.id.desc())
        .limit(limit)
    )
    if before is not None:
        at, last_id = before
        stmt = stmt.where(
            or_(
                InAppMessage.created_at < at,
                and_(InAppMessage.created_at == at, InAppMessage.id < last_id),
            )
        )
    return list((await session.execute(stmt)).scalars())


async def count_unread(session: AsyncSession, user_id: uuid.UUID) -> int:
    stmt = select(func.count()).where(
        InAppMessage.user_id == user_id, InAppMessage.read_at.is_(None)
    )
    return int((await session.execute(stmt)).scalar_one())


async def get_inapp_for(
    session: AsyncSession, user_id: uuid.UUID, message_id: uuid.UUID
) -> InAppMessage | None:
    stmt = select(InAppMessage).where(
        InAppMessage.id == message_id, InAppMessage.user_id == user_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()
