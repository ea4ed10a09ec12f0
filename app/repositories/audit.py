"""Appending to and reading the hash-chained audit log."""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.models import AuditChainHead, AuditEntry

GENESIS_HASH = "0" * 64


def lock_chain_head_sync(session: Session) -> AuditChainHead:
    """The same, inside a commit hook (a synchronous session running in the async greenlet)."""
    stmt = select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update()
    # The migration creates the row; its absence means an unmigrated database.
    return session.execute(stmt).scalar_one()


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


async def list_entries(
    session: AsyncSession, *, district: str | None, before_seq: int | None, limit: int
) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if district:
        stmt = stmt.where(AuditEntry.actor_district == district)
    if before_seq:
        stmt = stmt.where(AuditEntry.seq < before_seq)
    return list((await session.execute(stmt)).scalars())
