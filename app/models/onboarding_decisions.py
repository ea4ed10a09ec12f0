"""初到杨浦 / 虹桥 (issue 18, points 2 and 3): the district's further decisions on an onboarding
bundle: a letter's review and decision (the R-visa invitation, the recommendation for
permanent residence) and the employer's fast-track nomination with the district's answer."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey


class OnboardingLetter(UUIDPrimaryKey, Timestamps, Base):
    """One letter of a bundle: reviewed (optionally) by one officer, issued by another."""

    __tablename__ = "onboarding_letter"
    __table_args__ = (
        # One letter of each kind per bundle: a second decision finds the first.
        UniqueConstraint("case_id", "kind"),
        CheckConstraint("kind IN ('r_visa_invitation','pr_recommendation')", name="kind"),
        CheckConstraint("state IN ('reviewed','issued')", name="state"),
    )

    # Deleted with the case (records retention destroys a case through its foreign keys).
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_case.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20))
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    # What the decision rested on (the recommendation's months in the district and the rule's
    # receipt), kept as decided.
    facts: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    document_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("issued_document.id", ondelete="SET NULL")
    )


class OnboardingFastTrack(UUIDPrimaryKey, Timestamps, Base):
    """The employer's nomination of its hire as urgently needed talent, and the district's
    endorsement or refusal (Changning: 紧缺急需人才工作许可审批便利)."""

    __tablename__ = "onboarding_fast_track"
    __table_args__ = (
        CheckConstraint("status IN ('nominated','endorsed','declined')", name="status"),
    )

    # One nomination per bundle: a second one finds the first.
    case_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_case.id", ondelete="CASCADE"), unique=True
    )
    employer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employer.id"))
    shortage_field: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    nominated_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    nominated_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
