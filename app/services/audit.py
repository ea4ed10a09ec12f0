"""Audit trail: every login, transition, assignment and sensitive view, hash-chained."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict, Unpack

from app.domain.principal import Principal
from app.models.base import utcnow
from app.repositories import audit as audit_repo
from app.repositories.unit_of_work import AsyncSession, SyncSession, after_rollback, before_commit

_PENDING = "audit_pending"
_VERSION = 2
# The columns an entry's hash covers, besides its seq (their names in the payload differ).
_HASHED = (
    "occurred_at",
    "actor_user_id",
    "action",
    "object_type",
    "object_id",
    "detail",
    "actor_district",
    "district",
)


def _fields(entry: Mapping[str, Any], version: int) -> dict[str, Any]:
    """What the hash covers of ``entry`` (its values, keyed as the columns), but the seq."""
    fields: dict[str, Any] = {
        "at": entry["occurred_at"].isoformat(timespec="microseconds"),
        "actor": str(entry["actor_user_id"]) if entry["actor_user_id"] else None,
        "action": entry["action"],
        "type": entry["object_type"],
        "id": entry["object_id"],
        "detail": entry["detail"],
    }
    if version >= 2:
        # The districts decide which auditor sees an entry, so from version 2 they are chained.
        fields["actor_district"] = entry["actor_district"]
        fields["district"] = entry["district"]
    return fields


def _payload(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _digest(prev_hash: str, seq: int, entry: Mapping[str, Any], version: int) -> str:
    payload = _payload({**_fields(entry, version), "seq": seq})
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def entry_hash(
    prev_hash: str,
    seq: int,
    occurred_at: datetime,
    actor_user_id: uuid.UUID | None,
    action: str,
    object_type: str | None,
    object_id: str | None,
    detail: dict[str, Any],
    *,
    version: int = 1,
    actor_district: str | None = None,
    district: str | None = None,
) -> str:
    values = (occurred_at, actor_user_id, action, object_type, object_id, detail)
    entry = dict(zip(_HASHED, (*values, actor_district, district), strict=True))
    return _digest(prev_hash, seq, entry, version)


# Stands in for the sequence number while the payload is split around it; a NUL string never
# comes out of a case or an action name, and the split takes the last (top-level) "seq" key.
_SEQ_MARK = "\x00seq\x00"
_SEQ_KEY = '"seq":' + json.dumps(_SEQ_MARK)


def hash_halves(entry: Mapping[str, Any], version: int) -> tuple[str, str]:
    """The hashed payload of ``entry`` (without seq and hashes) before and after its sequence
    number: ``entry_hash`` is sha256(prev_hash + before + str(seq) + after), which lets the
    database number and chain the entry in the statement that locks the tip."""
    marked = _payload({**_fields(entry, version), "seq": _SEQ_MARK})
    before, found, after = marked.rpartition(_SEQ_KEY)
    if not found:
        raise AssertionError("the payload lost its seq key")
    return before + '"seq":', after


def _chained(entry: dict[str, Any]) -> audit_repo.ChainedEntry:
    """``entry`` for the database to number, hash and append (PostgreSQL)."""
    values = {**entry, "hash_version": _VERSION}
    return audit_repo.ChainedEntry(values, *hash_halves(entry, _VERSION))


class EntryFields(TypedDict, total=False):
    """What an entry says besides its action (see ``record``)."""

    actor: Principal | None
    actor_user_id: uuid.UUID | None
    object_type: str | None
    object_id: str | uuid.UUID | None
    detail: dict[str, Any] | None
    district: str | None


async def record(session: AsyncSession, action: str, **fields: Unpack[EntryFields]) -> None:
    """Queues one entry on the caller's transaction; it is chained and written at commit.

    ``district`` is the district the entry concerns; when the caller leaves it out it is taken
    from the object (a case, a service, a staff member...) or from the staff member signing in,
    so the district's auditor sees applicants' and the system's actions too.

    Chaining needs the chain tip locked; taking that lock only at commit (instead of at the
    first audited step) keeps the serialised section to the few milliseconds of the commit
    itself, so concurrent requests are not queued behind each other's whole work.
    """
    entry = await _entry(session, action, fields)
    session.sync_session.info.setdefault(_PENDING, []).append(entry)


async def record_in_statement(
    session: AsyncSession, action: str, **fields: Unpack[EntryFields]
) -> audit_repo.ChainedEntry | None:
    """As ``record``, for a caller whose last statement before the commit can append the entry:
    the entry is handed back for that statement, which locks the tip from there to the commit,
    as the commit would. That needs a database that hashes (PostgreSQL) and no other entry of
    this transaction waiting (the chain keeps their order); otherwise the entry is queued as
    ``record`` does and None is returned."""
    entry = await _entry(session, action, fields)
    pending = session.sync_session.info.get(_PENDING)
    if pending or not audit_repo.chains_in_statement(session.get_bind().dialect.name):
        session.sync_session.info.setdefault(_PENDING, []).append(entry)
        return None
    return _chained(entry)


async def _entry(session: AsyncSession, action: str, fields: EntryFields) -> dict[str, Any]:
    actor = fields.get("actor")
    user_id = actor.user_id if actor else fields.get("actor_user_id")
    actor_district = actor.district if actor else None
    if actor is None and user_id is not None:
        actor_district = await audit_repo.staff_district(session, user_id)
    district = fields.get("district")
    object_type, object_id = fields.get("object_type"), fields.get("object_id")
    if district is None and object_type is not None and object_id is not None:
        district = await audit_repo.district_of(session, object_type, str(object_id))
    return {
        "occurred_at": utcnow(),
        "actor_user_id": user_id,
        "actor_district": actor_district,
        "district": district or actor_district,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id) if object_id is not None else None,
        "detail": fields.get("detail") or {},
    }


@before_commit
def _write_pending(session: SyncSession) -> None:
    pending: list[dict[str, Any]] = session.info.pop(_PENDING, [])
    if not pending:
        return
    if len(pending) == 1 and audit_repo.chains_in_statement(session.connection().dialect.name):
        # The usual single entry: numbered, hashed and appended with the tip moved, in one
        # statement that holds the tip's lock from there to the commit.
        audit_repo.append_chained_sync(session, _chained(pending[0]))
        return
    last_seq, last_hash = audit_repo.lock_chain_head_sync(session)
    entries = []
    for item in pending:
        seq = last_seq + 1
        digest = _digest(last_hash, seq, item, _VERSION)
        entries.append(
            {"seq": seq, "prev_hash": last_hash, "hash": digest, "hash_version": _VERSION, **item}
        )
        last_seq, last_hash = seq, digest
    audit_repo.append_entries_sync(session, entries)


@after_rollback
def _drop_pending(session: SyncSession) -> None:
    # A rolled-back transaction did nothing worth auditing; a failed login that must stay
    # audited commits (see AppError.preserve_writes).
    session.info.pop(_PENDING, None)


# A refused request is audited once per caller, route and status in this window; the entry
# that opens the next window says how many were left out meanwhile.
REFUSAL_WINDOW = timedelta(minutes=1)


async def record_refusal(
    session: AsyncSession,
    *,
    principal: Principal | None,
    client_ip: str | None,
    method: str,
    path: str,
    route: str | None,
    status: int,
    code: str,
) -> None:
    """Queues an ``access.refused`` entry (who was refused what), unless this caller was
    refused the same route with the same status within ``REFUSAL_WINDOW``. The window is kept
    in the database, so it holds across workers and restarts."""
    who = f"user:{principal.user_id}" if principal else f"ip:{client_ip or 'unknown'}"
    key = f"{who}|{status}|{route or path}"[:200]
    left_out = await audit_repo.open_refusal_window(session, key, utcnow(), REFUSAL_WINDOW)
    if left_out is None:
        return
    detail: dict[str, Any] = {
        "method": method,
        "path": path[:300],
        "status": status,
        "code": code,
        "ip": client_ip,
    }
    if left_out:
        detail["refusals_not_recorded_before"] = left_out
    await record(session, "access.refused", actor=principal, detail=detail)


@dataclass(frozen=True)
class ChainReport:
    entries: int
    ok: bool
    first_bad_seq: int | None
    # The chain head's last sequence number when the log holds fewer entries than it names
    # (rows deleted from the end, or all of them): the hashes of what is left still chain.
    missing_after: int | None = None


async def verify_chain(session: AsyncSession) -> ChainReport:
    """Walks the chain from the genesis hash, then compares where it ends with the chain head,
    which every append moves: a log emptied or cut short from its end chains perfectly, and
    only the head tells that entries are missing."""
    # Read first: entries appended while the walk runs lie beyond it and are still checked.
    head_seq, head_hash = await audit_repo.chain_head(session)
    prev = audit_repo.GENESIS_HASH
    count = 0
    expected_seq = 1
    reached_head = head_seq == 0
    async for row in audit_repo.iterate_entries(session):
        entry = {name: getattr(row, name) for name in _HASHED}
        digest = _digest(prev, row.seq, entry, row.hash_version)
        if row.seq != expected_seq or row.prev_hash != prev or row.hash != digest:
            return ChainReport(entries=count, ok=False, first_bad_seq=row.seq)
        if row.seq == head_seq:
            if row.hash != head_hash:
                return ChainReport(entries=count, ok=False, first_bad_seq=row.seq)
            reached_head = True
        prev = row.hash
        expected_seq += 1
        count += 1
    if not reached_head:
        return ChainReport(
            entries=count, ok=False, first_bad_seq=expected_seq, missing_after=head_seq
        )
    return ChainReport(entries=count, ok=True, first_bad_seq=None)
