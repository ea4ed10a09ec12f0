"""Facts confirmed by outside systems (免提交) for an application, with time and source."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey


class FactVerification(UUIDPrimaryKey, Timestamps, Base):
    """One outside system's answer for one application.

    ``status``: ``verified`` (facts hold what it vouched for), ``no_record`` or ``rejected`` (a
    final "no": the applicant answers and uploads as usual), ``unavailable`` (asked again by the
    worker from ``next_attempt_at``), ``manual`` (entered by staff during an outage, with a note).
    """

    __tablename__ = "fact_verification"
    __table_args__ = (
        UniqueConstraint("application_id", "system"),
        Index("ix_fact_verification_retry", "status", "next_attempt_at"),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("application.id"))
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicant.id"), index=True)
    system: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    facts: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    authority: Mapped[str | None] = mapped_column(String(60))
    source_reference: Mapped[str | None] = mapped_column(String(100))
    correlation_id: Mapped[str] = mapped_column(String(64))
    verified_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(60))
    entered_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(Text)
