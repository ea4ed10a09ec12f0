"""Appending to and reading the hash-chained audit log."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.models import (
    ApartmentProject,
    AuditChainHead,
    AuditEntry,
    Case,
    Employer,
    Enrolment,
    PaymentCycle,
    Service,
    StaffMember,
)
from app.repositories import cases as cases_repo

GENESIS_HASH = "0" * 64


def lock_chain_head_sync(session: Session) -> tuple[int, str]:
    """The chain tip (last sequence number and hash), locked until the transaction ends.

    Runs inside a commit hook (a synchronous session in the async greenlet), on every audited
    transaction, so it is plain Core: no ORM object is needed for two values.
    """
    stmt = (
        select(AuditChainHead.last_seq, AuditChainHead.last_hash)
        .where(AuditChainHead.id == 1)
        .with_for_update()
    )
    # The migration creates the row; its absence means an unmigrated database.
    seq, digest = session.connection().execute(stmt).one()
    return int(seq), str(digest)


# One round trip for the usual single entry on PostgreSQL: the tip moves in a data-modifying
# CTE of the INSERT. Built once, so it stays in SQLAlchemy's compiled cache.
# Parameters are prefixed so that none can name a column of the chain head as well.
_APPEND_ONE = (
    insert(AuditEntry)
    .values({c.key: bindparam(f"n_{c.key}", type_=c.type) for c in AuditEntry.__table__.columns})
    .add_cte(
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(last_seq=bindparam("head_seq"), last_hash=bindparam("head_hash"))
        .cte("move_head")
    )
)


def append_entries_sync(session: Session, entries: list[dict[str, Any]]) -> None:
    """Writes chained entries and moves the tip to the last of them, under the tip's lock."""
    last = entries[-1]
    conn = session.connection()
    if len(entries) == 1 and conn.dialect.name == "postgresql":
        params = {f"n_{k}": v for k, v in last.items()}
        conn.execute(_APPEND_ONE, {**params, "head_seq": last["seq"], "head_hash": last["hash"]})
        return
    conn.execute(insert(AuditEntry), entries)
    conn.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(last_seq=last["seq"], last_hash=last["hash"])
    )


async def iterate_entries(session: AsyncSession, batch: int = 1000) -> AsyncIterator[AuditEntry]:
    last = 0
    while True:
        stmt = select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        rows = list((await session.execute(stmt)).scalars())
        if not rows:
            return
        for row in rows:
            yield row
        last = rows[-1].seq


# Object types whose row names its district; anything else takes the actor's district.
_DISTRICT_OWNERS: dict[str, Any] = {
    "case": Case,
    "service": Service,
    "staff_member": StaffMember,
    "employer": Employer,
    "apartment_project": ApartmentProject,
    "enrolment": Enrolment,
    "payment_cycle": PaymentCycle,
}


async def district_of(session: AsyncSession, object_type: str, object_id: str) -> str | None:
    if object_type == "application":
        try:
            return await cases_repo.application_district(session, uuid.UUID(object_id))
        except ValueError:
            return None
    model = _DISTRICT_OWNERS.get(object_type)
    if model is None:
        return None
    try:
        key = uuid.UUID(object_id)
    except ValueError:
        return None
    # The audited object is nearly always loaded already; reading it from the identity map
    # keeps auditing free of extra queries on hot paths such as submission.
    loaded = session.identity_map.get(identity_key(model, key))
    if loaded is not None:
        return loaded.district  # type: ignore[no-any-return]
    stmt = select(model.district).where(model.id == key)
    return (await session.execute(stmt)).scalar_one_or_none()


async def staff_district(session: AsyncSession, user_id: uuid.UUID) -> str | None:
    stmt = select(StaffMember.district).where(StaffMember.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_entries(
    session: AsyncSession,
    *,
    district: str | None,
    before_seq: int | None,
    limit: int,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
) -> list[AuditEntry]:
    """Newest first, keyset-paged by ``seq``. A district's view holds the entries done by its
    staff and those concerning its cases, services and staff (whoever acted: applicants, the
    system)."""
    stmt = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if district:
        stmt = stmt.where(
            or_(AuditEntry.district == district, AuditEntry.actor_district == district)
        )
    if before_seq:
        stmt = stmt.where(AuditEntry.seq < before_seq)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if since is not None:
        stmt = stmt.where(AuditEntry.occurred_at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.occurred_at < until)
    if object_type is not None:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    return list((await session.execute(stmt)).scalars())


async def distinct_actions(session: AsyncSession) -> list[str]:
    stmt = select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    return list((await session.execute(stmt)).scalars())


async def staff_names(session: AsyncSession, user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Names of the staff among the actors (applicants' names stay out of the log view)."""
    if not user_ids:
        return {}
    stmt = select(StaffMember.user_id, StaffMember.full_name).where(
        StaffMember.user_id.in_(user_ids)
    )
    rows = await session.execute(stmt)
    return dict(rows.all())
