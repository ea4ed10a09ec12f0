"""Records retention: destruction lists, their items (the minimal record a destroyed case
leaves) and legal holds. The rules themselves are on the service (``Service.retention``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPrimaryKey, unique_where, utcnow


class DestructionList(UUIDPrimaryKey, Base):
    """One district's list of cases whose retention has ended (app.workflow.retention)."""

    __tablename__ = "destruction_list"
    __table_args__ = (
        UniqueConstraint("number"),
        # One open list per district: the worker adds to it instead of starting another.
        unique_where(
            "uq_destruction_list_open", "district", where="status IN ('draft', 'submitted')"
        ),
    )

    number: Mapped[str] = mapped_column(String(30))
    district: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Users who submitted or edited the list (four eyes: none of them may approve it).
    handled_by: Mapped[list[str]] = mapped_column(JSON, default=list)
    submitted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime | None]
    approved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[datetime | None]
    destroyed_at: Mapped[datetime | None]
    # The digest of the destruction certificate written to the audit chain (its detail).
    certificate_sha256: Mapped[str | None] = mapped_column(String(64))


class DestructionListItem(UUIDPrimaryKey, Base):
    """A case on a list. Nothing here names the person: once the case is destroyed this row
    is the minimal record that it existed (number, service, dates, result, under which list).
    ``case_id`` is no foreign key, because the case row is gone afterwards."""

    __tablename__ = "destruction_list_item"
    __table_args__ = (
        UniqueConstraint("list_id", "case_id"),
        Index("ix_destruction_list_item_case", "case_id", "status"),
    )

    list_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("destruction_list.id"), index=True)
    case_id: Mapped[uuid.UUID]
    case_number: Mapped[str] = mapped_column(String(30))
    district: Mapped[str] = mapped_column(String(20))
    service_code: Mapped[str] = mapped_column(String(60))
    result: Mapped[str] = mapped_column(String(20))
    submitted_on: Mapped[date]
    decided_on: Mapped[date]
    retention_from: Mapped[date]
    retention_until: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="listed")
    removed_reason: Mapped[str | None] = mapped_column(Text)
    removed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    removed_at: Mapped[datetime | None]
    destroyed_at: Mapped[datetime | None]
    # What went: row counts per table and files deleted (numbers only).
    destroyed: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class LegalHold(UUIDPrimaryKey, Base):
    """A case that must not be destroyed (litigation, an inquiry), whatever its retention."""

    __tablename__ = "legal_hold"
    __table_args__ = (unique_where("uq_legal_hold_active", "case_id", where="released_at IS NULL"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_case.id"), index=True)
    district: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    released_at: Mapped[datetime | None]
    release_reason: Mapped[str | None] = mapped_column(Text)
