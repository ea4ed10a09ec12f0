"""Notices of newly qualifying (issue 17, point 6): each one sent, and each person's last check.

A notice is sent once per person and policy version: the unique constraint makes that a
database fact, so a rerun of ``rules reevaluate``, a retried round or two workers at once add
no second row (and so no second message, which is written in the same transaction)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPrimaryKey, utcnow


class QualifyingNotice(UUIDPrimaryKey, Base):
    __tablename__ = "qualifying_notice"
    __table_args__ = (
        UniqueConstraint("applicant_id", "policy_id", "policy_version"),
        CheckConstraint("trigger IN ('policy_change','time')", name="trigger"),
    )

    applicant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applicant.id", ondelete="CASCADE"), index=True
    )
    policy_id: Mapped[str] = mapped_column(String(80))
    policy_version: Mapped[str] = mapped_column(String(20))
    # What made the person qualify: a new policy version (the CLI) or time (the daily round).
    trigger: Mapped[str] = mapped_column(String(20))
    # The catalog codes the notice named (the services to apply for).
    service_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class QualifyingCheck(Base):
    """The Shanghai day a consenting person's stored facts were last checked against time: the
    next round compares that day's verdicts with today's, with the same facts."""

    __tablename__ = "qualifying_check"

    applicant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("applicant.id", ondelete="CASCADE"), primary_key=True
    )
    checked_on: Mapped[date]
