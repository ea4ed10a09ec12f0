"""The Yangpu talent service card issued on an approved service_card case."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey, unique_where
from app.workflow.service_cards import ACTIVE_SQL


class ServiceCard(UUIDPrimaryKey, Timestamps, Base):
    """One card of one person. The public verification page finds it by ``verify_token``
    (random, never the number), so a card's number on a photocopy opens nothing."""

    __tablename__ = "service_card"
    __table_args__ = (
        # One person, one active card: a second issue racing past the service's check fails.
        unique_where("uq_service_card_active_holder", "applicant_id", where=ACTIVE_SQL),
        CheckConstraint("status IN ('active','revoked','expired')", name="status"),
    )

    number: Mapped[str] = mapped_column(String(30), unique=True)
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicant.id"), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_case.id"), unique=True)
    district: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="active")
    issued_on: Mapped[date]
    valid_until: Mapped[date]
    verify_token: Mapped[str] = mapped_column(String(64), unique=True)
    renewed_on: Mapped[date | None]
    # The valid_until the last renewal notice was sent for (one notice per term).
    renewal_notice_for: Mapped[date | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    version: Mapped[int] = mapped_column(default=1)
    # The register membership a programme-class card rested on ended this day (and no other
    # listed membership holds): the card is flagged for the talent office, not ended by itself.
    basis_ended_on: Mapped[date | None]
