"""Claims filed by organisations: the lines of a batch claim, each a person, a certificate or a
month the organisation asks to be paid for."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPrimaryKey, utcnow


class ClaimLine(UUIDPrimaryKey, Base):
    """One line of a claim (an employer's exam-fee batch, an agency's placements, a base's
    monthly roster) or the certificate a person's own exam-fee claim names.

    ``claim_key`` is what may be paid once: a certificate number (whoever claims it, the person
    or the employer), a person placed (by blind index), a base's month. The unique constraint
    refuses a second claim for it whatever raced the check; a claim that ends without payment
    (rejected, withdrawn) sets its keys to NULL, so the thing can be claimed again.
    """

    __tablename__ = "claim_line"
    __table_args__ = (UniqueConstraint("kind", "claim_key", name="uq_claim_line_kind_claim_key"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_case.id"), index=True)
    line_no: Mapped[int]
    kind: Mapped[str] = mapped_column(String(30))  # certificate | placement | internship_month
    claim_key: Mapped[str | None] = mapped_column(String(120))
    person_name: Mapped[str] = mapped_column(String(100), default="")
    # Never the number itself: its blind index (lookups) and its masked form (lists).
    person_id_index: Mapped[str | None] = mapped_column(String(64))
    person_id_masked: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    amount_cny: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
