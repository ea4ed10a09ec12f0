"""Appending to and reading the hash-chained audit log."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    String,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.models import (
    ApartmentProject,
    Application,
    AuditChainHead,
    AuditEntry,
    Case,
    Employer,
    Enrolment,
    PaymentCycle,
    RefusalWindow,
    Service,
    StaffMember,
)

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


_ENTRY_VALUES = [
    c for c in AuditEntry.__table__.columns if c.key not in {"seq", "prev_hash", "hash"}
]
# PostgreSQL: one statement numbers, hashes and appends an entry. The UPDATE locks the tip and
# computes the new hash from the old row (sha256 over the previous hash and the entry's payload,
# the same bytes as ``entry_hash``); the INSERT takes the number and both hashes from its
# RETURNING. Built once, so it stays compiled. Parameters are prefixed so that none can name a
# column of the chain head as well.
_MOVED_TIP = (
    update(AuditChainHead)
    .where(AuditChainHead.id == 1)
    .values(
        last_seq=AuditChainHead.last_seq + 1,
        prev_hash=AuditChainHead.last_hash,
        last_hash=func.encode(
            func.sha256(
                func.convert_to(
                    AuditChainHead.last_hash
                    + bindparam("h_before", type_=String)
                    + cast(AuditChainHead.last_seq + 1, String)
                    + bindparam("h_after", type_=String),
                    literal_column("'UTF8'"),
                )
            ),
            literal_column("'hex'"),
        ),
    )
    .returning(AuditChainHead.last_seq, AuditChainHead.prev_hash, AuditChainHead.last_hash)
    .cte("moved_tip")
)
_APPEND_CHAINED = insert(AuditEntry).from_select(
    ["seq", "prev_hash", "hash", *(c.key for c in _ENTRY_VALUES)],
    select(
        _MOVED_TIP.c.last_seq,
        _MOVED_TIP.c.prev_hash,
        _MOVED_TIP.c.last_hash,
        *(bindparam(f"n_{c.key}", type_=c.type) for c in _ENTRY_VALUES),
    ),
)
# The same append as a CTE, for a statement that writes what the entry records.
CHAINED_APPEND_CTE = _APPEND_CHAINED.cte("appended_audit_entry")


def chains_in_statement(dialect: str) -> bool:
    """Whether the database can hash an entry itself (PostgreSQL: ``sha256``)."""
    return dialect == "postgresql"


@dataclass(frozen=True)
class ChainedEntry:
    """An entry for the database to number and chain: its values without seq and hashes, and
    the hashed payload before and after the seq. Its hash is sha256(previous hash +
    ``hash_before`` + seq + ``hash_after``)."""

    values: Mapping[str, Any]
    hash_before: str
    hash_after: str

    def params(self) -> dict[str, Any]:
        """The parameters of ``_APPEND_CHAINED`` and ``CHAINED_APPEND_CTE``."""
        params = {f"n_{c.key}": self.values[c.key] for c in _ENTRY_VALUES}
        return {**params, "h_before": self.hash_before, "h_after": self.hash_after}


def append_chained_sync(session: Session, entry: ChainedEntry) -> None:
    """Appends ``entry`` after the tip, which it locks and moves."""
    session.connection().execute(_APPEND_CHAINED, entry.params())


def append_entries_sync(session: Session, entries: list[dict[str, Any]]) -> None:
    """Writes chained entries and moves the tip to the last of them, under the tip's lock."""
    last = entries[-1]
    conn = session.connection()
    conn.execute(insert(AuditEntry), entries)
    conn.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(last_seq=last["seq"], last_hash=last["hash"], prev_hash=last["prev_hash"])
    )


async def chain_head(session: AsyncSession) -> tuple[int, str]:
    """The chain tip as committed (last sequence number and hash), unlocked."""
    stmt = select(AuditChainHead.last_seq, AuditChainHead.last_hash).where(AuditChainHead.id == 1)
    seq, digest = (await session.execute(stmt)).one()
    return int(seq), str(digest)


async def open_refusal_window(
    session: AsyncSession, key: str, now: datetime, window: timedelta
) -> int | None:
    """Counts a refused request of ``key``; when it opens a new window (the first refusal, or
    the first after ``window``) returns how many refusals the previous window left unrecorded,
    otherwise None. One statement, so concurrent refusals count each other."""
    dialect = session.get_bind().dialect.name
    make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    expired = RefusalWindow.started_at <= now - window
    stmt = (
        make_insert(RefusalWindow)
        .values(key=key, started_at=now, suppressed=0, carried=0)
        .on_conflict_do_update(
            index_elements=[RefusalWindow.key],
            # The right-hand sides read the row as it was (both databases).
            set_={
                "started_at": case((expired, now), else_=RefusalWindow.started_at),
                "suppressed": case((expired, 0), else_=RefusalWindow.suppressed + 1),
                "carried": case((expired, RefusalWindow.suppressed), else_=RefusalWindow.carried),
            },
        )
        .returning(RefusalWindow.suppressed, RefusalWindow.carried)
    )
    suppressed, carried = (await session.execute(stmt)).one()
    return int(carried) if suppressed == 0 else None


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
        # An application names its district through its service.
        try:
            application_id = uuid.UUID(object_id)
        except ValueError:
            return None
        stmt = (
            select(Service.district)
            .join(Application, Application.service_id == Service.id)
            .where(Application.id == application_id)
        )
        return (await session.execute(stmt)).scalar_one_or_none()
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
