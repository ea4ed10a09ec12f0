"""Documents the portal issues (a case's written decision today; issue 18's letters later) and
the video appointments that stand in for checking originals in person (不见面)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey


class IssuedDocument(UUIDPrimaryKey, Timestamps, Base):
    """One verifiable document. The row is written with whatever it records (a decision), so
    it exists exactly when that committed; its file may follow in the worker's round, and
    ``sha256`` is set with the file and never changes after."""

    __tablename__ = "issued_document"
    __table_args__ = (
        # What it was issued for, once per kind: a decision event gives one result document
        # however often the round or the backfill retries.
        UniqueConstraint("kind", "subject_ref"),
        CheckConstraint("status IN ('pending','issued')", name="status"),
    )

    kind: Mapped[str] = mapped_column(String(40))
    subject_ref: Mapped[str] = mapped_column(String(80))
    # The public key of the verification page; random, carries nothing about the person.
    token: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("service_case.id", ondelete="CASCADE"), index=True
    )
    applicant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("applicant.id"), index=True)
    # The copy in the applicant's wallet, once rendered.
    document_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("document.id"))
    # An organisation has no wallet: its copy's file is kept here, under the storage's key,
    # and reached through the case page only.
    storage_key: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str | None] = mapped_column(String(64))
    issued_at: Mapped[datetime]
    # What the public page may show: kind's facts (case number, decision, clause codes) and
    # the masked name; never the full name or an ID number.
    public: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    # The document's words, fixed when it is issued (``sheet.Wording`` as JSON): rendering
    # later, in the worker's round, prints what was decided then, not what the case says now.
    content: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    # Languages the document is written in: ["zh"] or ["zh", "en"].
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    rendered_at: Mapped[datetime | None]
    render_attempts: Mapped[int] = mapped_column(default=0)


class VideoCheck(UUIDPrimaryKey, Timestamps, Base):
    """A scheduled video appointment in which staff see the originals of identity documents;
    the call itself happens outside the portal, the record of it stays on the case."""

    __tablename__ = "video_check"
    __table_args__ = (
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('verified','failed','no_show')", name="outcome"
        ),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_case.id", ondelete="CASCADE"), index=True
    )
    scheduled_at: Mapped[datetime]
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_member.id"))
    scheduled_by_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    outcome: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime | None]
