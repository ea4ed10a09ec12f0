"""Append-only, hash-chained audit log."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class AuditEntry(Base):
    """One audited event. ``hash`` covers the row and the previous row's hash (tamper evident)."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        # Auditors page their district's entries newest first.
        Index("ix_audit_entry_district_seq", "district", "seq"),
        Index("ix_audit_entry_actor_district_seq", "actor_district", "seq"),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    actor_district: Mapped[str | None] = mapped_column(String(20))
    # The district the entry concerns (the case's, the staff member's...), so an auditor also
    # sees applicants' and the system's actions in their district. Null on rows written before
    # it existed and on entries that concern no district.
    district: Mapped[str | None] = mapped_column(String(20))
    # 1: the hash covers neither district column (rows written before they were chained);
    # 2: it covers both, so moving an entry out of an auditor's view breaks the chain.
    hash_version: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="1")
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditChainHead(Base):
    """Single row holding the chain's tip; locking it serialises appends across workers."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    last_hash: Mapped[str] = mapped_column(String(64))
    # The tip before the last append. An UPDATE reads the old row on its right-hand side, so
    # one statement can move the tip, keep the hash it replaced and return both to the INSERT
    # of the entry (PostgreSQL 15 has no RETURNING OLD).
    prev_hash: Mapped[str | None] = mapped_column(String(64))


class RefusalWindow(Base):
    """When a caller (user, or address when signed out) was last audited for a refused request
    to a route, and how many refusals since went unrecorded: one entry per window keeps a
    client that probes IDs from filling the audit log at the price of a request each."""

    __tablename__ = "refusal_window"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime] = mapped_column()
    # Refusals inside the current window that wrote no entry.
    suppressed: Mapped[int] = mapped_column(Integer, default=0)
    # The previous window's count, reported by the entry that opened this one.
    carried: Mapped[int] = mapped_column(Integer, default=0)
