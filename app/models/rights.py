"""A person's rights over their data: copies prepared in the background, correction requests
for facts an outside system vouched for, and account deletions."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPrimaryKey, utcnow


class DataExport(UUIDPrimaryKey, Base):
    """One copy of everything the portal holds about a person (PIPL Art. 45), prepared by the
    worker's round. The row is the job: a worker that dies mid-way leaves it ``preparing`` and
    the next round starts it again. The ZIP is deleted when the link expires."""

    __tablename__ = "data_export"
    __table_args__ = (Index("ix_data_export_due", "status", "requested_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    # Generated name under the export folder; never derived from anything the person gave.
    storage_key: Mapped[str | None] = mapped_column(String(100))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(200))


class CorrectionRequest(UUIDPrimaryKey, Base):
    """A person asks to correct a fact an outside system set (PIPL Art. 46). The officers of the
    district whose service asked the system decide it, with a reason."""

    __tablename__ = "correction_request"
    __table_args__ = (Index("ix_correction_request_queue", "district", "status", "created_at"),)

    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicant.id"), index=True)
    verification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fact_verification.id"))
    district: Mapped[str] = mapped_column(String(20))
    fact: Mapped[str] = mapped_column(String(60))
    current_value: Mapped[object | None] = mapped_column(JSON)
    requested_value: Mapped[str] = mapped_column(String(200))
    explanation: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)


class AccountDeletion(UUIDPrimaryKey, Base):
    """An account erased at its owner's request (PIPL Art. 47). The login is disabled and the
    personal fields erased at once; the e-mail address is kept only until the confirmation to it
    has left the outbox (``email_erased_at``), then erased by the worker's round."""

    __tablename__ = "account_deletion"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"), unique=True)
    deleted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Records the law keeps (decided cases): their number, so the person's confirmation says so.
    records_kept: Mapped[int] = mapped_column(Integer, default=0)
    confirmation_key: Mapped[str] = mapped_column(String(120))
    email_erased_at: Mapped[datetime | None]
