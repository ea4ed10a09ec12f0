"""District talent programmes and their selection rounds (issue 16, points 1, 2 and 6): a round
opens nominations, reviewers score them on its sheet, the committee decides within the quota,
the proposed names stand in a public notice (公示) where anyone may object, and the award
writes the talent register entry."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey


class Programme(UUIDPrimaryKey, Timestamps, Base):
    """A district's named programme (seeded by the migration from the districts' plans)."""

    __tablename__ = "talent_programme"
    __table_args__ = (UniqueConstraint("district", "code", name="uq_talent_programme_code"),)

    district: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    # The register's programme code (a value of the rules' verified_talent_programs).
    register_code: Mapped[str] = mapped_column(String(40))
    # The plan's figure for the programme as a whole (None where it gives none).
    plan_quota: Mapped[int | None]
    # "sourced" (the plan gives it, cited in quota_basis) or "assumed".
    quota_status: Mapped[str] = mapped_column(String(10), default="assumed")
    quota_basis: Mapped[str | None] = mapped_column(String(300))
    policy_id: Mapped[str] = mapped_column(String(80))
    self_nomination: Mapped[bool] = mapped_column(default=False)


class ProgrammeRound(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "programme_round"
    __table_args__ = (
        CheckConstraint(
            "status IN ('open','reviewing','decided','notice','awarded')", name="status"
        ),
        CheckConstraint("closes_on >= opens_on", name="window"),
        CheckConstraint("quota > 0", name="quota"),
        CheckConstraint("reviewers_per_nomination >= 1", name="reviewers"),
    )

    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("talent_programme.id"), index=True)
    district: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(200))
    quota: Mapped[int]
    quota_assumed: Mapped[bool] = mapped_column(default=True)
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    policy_id: Mapped[str] = mapped_column(String(80))
    # [{"code", "name_zh", "name_en", "weight", "max"}]; weights sum to 100.
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    reviewers_per_nomination: Mapped[int] = mapped_column(default=2)
    grant_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    grant_assumed: Mapped[bool] = mapped_column(default=True)
    award_title_zh: Mapped[str] = mapped_column(String(100))
    award_title_en: Mapped[str] = mapped_column(String(200))
    # Years the membership lasts from the award (None: no end).
    valid_years: Mapped[int | None]
    notice_days: Mapped[int] = mapped_column(default=7)
    notice_from: Mapped[date | None]
    notice_until: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))


class Nomination(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "programme_nomination"
    __table_args__ = (
        # One person once per round, whoever nominates them.
        UniqueConstraint("round_id", "applicant_id", name="uq_programme_nomination_person"),
        CheckConstraint(
            "status IN ('in_review','scored','proposed','not_selected','withdrawn_by_objection',"
            "'awarded')",
            name="status",
        ),
        Index("ix_programme_nomination_org", "employer_id", "round_id"),
    )

    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_round.id"), index=True)
    district: Mapped[str] = mapped_column(String(20))
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicant.id"), index=True)
    # The nominating organisation; None when the person nominated themselves.
    employer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("employer.id"))
    organisation_code: Mapped[str | None] = mapped_column(String(18))
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    nominated_by_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    statement: Mapped[str] = mapped_column(String(2000))
    # The eligibility check at filing: policy, version and each condition's reason (zh/en).
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(30), default="in_review")
    total_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    rank: Mapped[int | None]
    decision_note: Mapped[str | None] = mapped_column(String(500))
    awarded_on: Mapped[date | None]
    register_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("talent_register_entry.id", ondelete="SET NULL")
    )


class ReviewerDeclaration(UUIDPrimaryKey, Timestamps, Base):
    """A reviewer's conflict-of-interest declaration for a round: the organisation they work
    for and any others they are tied to. Scoring waits for it; a nomination from one of these
    organisations cannot be given to them."""

    __tablename__ = "programme_reviewer_declaration"
    __table_args__ = (
        UniqueConstraint("round_id", "staff_id", name="uq_programme_reviewer_declaration"),
    )

    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme_round.id"))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_member.id"))
    organisation_codes: Mapped[list[str]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(500))


class ReviewerAssignment(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "programme_review"
    __table_args__ = (
        UniqueConstraint("nomination_id", "staff_id", name="uq_programme_review_reviewer"),
    )

    nomination_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programme_nomination.id"), index=True
    )
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_member.id"), index=True)
    assigned_by_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    # {criterion code: points}; a draft until submitted_at, then fixed.
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    comment: Mapped[str | None] = mapped_column(String(1000))
    total: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    submitted_at: Mapped[datetime | None]


class Objection(UUIDPrimaryKey, Timestamps, Base):
    """An objection to a proposed name, filed on the public notice without signing in."""

    __tablename__ = "programme_objection"
    __table_args__ = (CheckConstraint("status IN ('open','upheld','dismissed')", name="status"),)

    nomination_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programme_nomination.id"), index=True
    )
    district: Mapped[str] = mapped_column(String(20))
    objector_name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(200))
    grounds: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20), default="open")
    decided_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    decision_reason: Mapped[str | None] = mapped_column(String(1000))
    decided_at: Mapped[datetime | None]
