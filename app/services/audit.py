"""Audit trail: every login, transition, assignment and sensitive view, hash-chained."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.principal import Principal
from app.models import AuditEntry
from app.models.base import utcnow
from app.repositories import audit as audit_repo


def entry_hash(
    prev_hash: str,
    seq: int,
    occurred_at: datetime,
    actor_user_id: uuid.UUID | None,
    action: str,
    object_type: str | None,
    object_id: str | None,
    detail: dict[str, Any],
) -> str:
    payload = json.dumps(
        {
            "seq": seq,
            "at": occurred_at.isoformat(timespec="microseconds"),
            "actor": str(actor_user_id) if actor_user_id else None,
            "action": action,
            "type": object_type,
            "id": object_id,
            "detail": detail,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


async def record(
    session: AsyncSession,
    action: str,
    *,
    actor: Principal | None = None,
    actor_user_id: uuid.UUID | None = None,
    object_type: str | None = None,
    object_id: str | uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Appends one entry in the caller's transaction, so it commits or rolls back with the act."""
    head = await audit_repo.lock_chain_head(session)
    seq = head.last_seq + 1
    occurred_at = utcnow()
    user_id = actor.user_id if actor else actor_user_id
    oid = str(object_id) if object_id is not None else None
    data = detail or {}
    digest = entry_hash(head.last_hash, seq, occurred_at, user_id, action, object_type, oid, data)
    entry = AuditEntry(
        seq=seq,
        occurred_at=occurred_at,
        actor_user_id=user_id,
        actor_district=actor.district if actor else None,
        action=action,
        object_type=object_type,
        object_id=oid,
        detail=data,
        prev_hash=head.last_hash,
        hash=digest,
    )
    session.add(entry)
    head.last_seq = seq
    head.last_hash = digest
    await session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    entries: int
    ok: bool
    first_bad_seq: int | None


async def verify_chain(session: AsyncSession) -> ChainReport:
    prev = audit_repo.GENESIS_HASH
    count = 0
    expected_seq = 1
    async for row in audit_repo.iterate_entries(session):
        digest = entry_hash(
            prev,
            row.seq,
            row.occurred_at,
            row.actor_user_id,
            row.action,
            row.object_type,
            row.object_id,
            row.detail,
        )
        if row.seq != expected_seq or row.prev_hash != prev or row.hash != digest:
            return ChainReport(entries=count, ok=False, first_bad_seq=row.seq)
        prev = row.hash
        expected_seq += 1
        count += 1
    return ChainReport(entries=count, ok=True, first_bad_seq=None)
