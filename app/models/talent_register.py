"""The talent register: one person's programme memberships, awards and high-level talent
classifications, each verified (recorded by staff with evidence, or decided by the district),
kept by a district. The rules read memberships valid on the evaluation date from here."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey, unique_where


class TalentRegisterEntry(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "talent_register_entry"
    __table_args__ = (
        CheckConstraint("source IN ('award','certification','outside_record')", name="source"),
        CheckConstraint("valid_until IS NULL OR valid_until >= granted_on", name="valid_span"),
        # A classification decided on a case is recorded once, whoever retries the approval.
        unique_where("uq_talent_register_case", "case_id", where="case_id IS NOT NULL"),
        # A programme's award is recorded once per person, however often the round's final
        # step is retried or clicked twice.
        unique_where(
            "uq_talent_register_award", "reference", "applicant_id", where="reference IS NOT NULL"
        ),
        Index("ix_talent_register_search", "district", "programme", "granted_on"),
        Index("ix_talent_register_person", "applicant_id", "valid_until"),
        # The daily expiry round reads the entries ending around a day.
        Index("ix_talent_register_expiry", "valid_until"),
    )

    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicant.id"))
    # The district that keeps the entry: its staff read and search it, no one else's.
    district: Mapped[str] = mapped_column(String(20))
    # A code of the rules' talent programmes (verified_talent_programs values).
    programme: Mapped[str] = mapped_column(String(40))
    level: Mapped[str | None] = mapped_column(String(40))
    granted_on: Mapped[date]
    valid_until: Mapped[date | None]
    source: Mapped[str] = mapped_column(String(20))
    # Who granted an outside membership (a ministry, the city's talent office), as the
    # evidence names it.
    issuer: Mapped[str | None] = mapped_column(String(200))
    # The person's organisation when the entry was granted, for the search by organisation.
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    organisation_code: Mapped[str | None] = mapped_column(String(18), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("service_case.id", ondelete="SET NULL")
    )
    evidence_document_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("document.id", ondelete="SET NULL")
    )
    recorded_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    # The award's reference in its programme round (a nomination), unique with the person.
    reference: Mapped[str | None] = mapped_column(String(100))
    # The verified organisation that nominated the person or applied for their classification.
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("employer.id"))
    # The valid_until the daily round last warned of, and ended the benefits of: a later change
    # of valid_until is warned of and ended again; the same one never twice.
    expiry_warned_for: Mapped[date | None]
    expiry_ended_for: Mapped[date | None]
