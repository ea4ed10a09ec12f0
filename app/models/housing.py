"""Talent apartments: projects and units, the waitlist, offers and leases."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey, unique_where, utcnow


class ApartmentProject(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "apartment_project"

    district: Mapped[str] = mapped_column(String(20), index=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    operator: Mapped[str] = mapped_column(String(200))


class ApartmentUnit(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "apartment_unit"
    __table_args__ = (
        UniqueConstraint("project_id", "building", "number"),
        # Talent rent is at most 90% of market rent (Shanghai talent-apartment rule).
        CheckConstraint("talent_rent_cny * 10 <= market_rent_cny * 9", name="talent_rent_cap"),
        CheckConstraint("status IN ('available','offered','leased','maintenance')", name="status"),
        Index("ix_apartment_unit_available", "district", "status"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("apartment_project.id"), index=True)
    district: Mapped[str] = mapped_column(String(20))
    building: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(20))
    layout: Mapped[str] = mapped_column(String(20))  # studio | one_bed | two_bed | three_bed
    area_sqm: Mapped[float]
    floor: Mapped[int]
    market_rent_cny: Mapped[int]
    talent_rent_cny: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="available")


class WaitlistEntry(UUIDPrimaryKey, Base):
    """An approved apartment case waiting for a unit, ranked by the policy's priority score."""

    __tablename__ = "waitlist_entry"
    __table_args__ = (Index("ix_waitlist_rank", "district", "status", "score", "joined_at"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_case.id"), unique=True)
    district: Mapped[str] = mapped_column(String(20))
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicant.id"), index=True)
    score: Mapped[float]
    score_reasons: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    preferences: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    declines: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(
        String(20), default="waiting"
    )  # waiting|offered|housed|removed


class ApartmentOffer(UUIDPrimaryKey, Base):
    __tablename__ = "apartment_offer"
    __table_args__ = (
        # A unit is offered to one applicant at a time, whatever the application code does.
        unique_where("uq_apartment_offer_open_unit", "unit_id", where="status = 'open'"),
    )

    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("apartment_unit.id"), index=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("waitlist_entry.id"), index=True)
    status: Mapped[str] = mapped_column(
        String(20), default="open"
    )  # open|accepted|declined|expired
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    respond_by: Mapped[date]
    decided_at: Mapped[datetime | None]


class Lease(UUIDPrimaryKey, Base):
    __tablename__ = "lease"
    __table_args__ = (
        # Never two active leases on one unit, nor two for one household member.
        unique_where("uq_lease_active_unit", "unit_id", where="status = 'active'"),
        unique_where("uq_lease_active_applicant", "applicant_id", where="status = 'active'"),
    )

    unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("apartment_unit.id"))
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicant.id"))
    offer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("apartment_offer.id"), unique=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    monthly_rent_cny: Mapped[int]
    deposit_cny: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="active")  # active|ended
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Renewal terms are the operator's to set (within the rent-rise cap); the tenant accepts them.
    renewal_rent_cny: Mapped[int | None]
    renewal_proposed_at: Mapped[datetime | None]
    renewal_proposed_by: Mapped[uuid.UUID | None]  # user id, as in the audit log
    move_out_requested_on: Mapped[date | None]
    # The move-out inspection, kept with the lease (the deposit settlement depends on it).
    ended_on: Mapped[date | None]
    inspection_condition: Mapped[str | None] = mapped_column(String(20))  # good|minor|major
    deposit_deduction_cny: Mapped[int | None]
    inspection_note: Mapped[str | None] = mapped_column(String(500))
    inspected_by: Mapped[uuid.UUID | None]


class SpouseIdentity(UUIDPrimaryKey, Timestamps, Base):
    """The spouse's ID or passport number named on an application: encrypted, with the same
    blind index as an applicant's own number so one person is recognised in either role."""

    __tablename__ = "spouse_identity"
    __table_args__ = (CheckConstraint("id_kind IN ('resident_id','passport')", name="id_kind"),)

    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("application.id"), unique=True)
    id_kind: Mapped[str] = mapped_column(String(20))
    id_number_enc: Mapped[bytes] = mapped_column(LargeBinary)
    id_number_index: Mapped[str] = mapped_column(String(64), index=True)
    id_number_masked: Mapped[str] = mapped_column(String(40))


class HouseholdKey(UUIDPrimaryKey, Base):
    """One person (applicant or spouse, by ID blind index) of a household that holds a place on
    a waitlist or a lease. A person is in at most one holding household at a time, whatever
    the code does: released keys keep the history, active ones are unique."""

    __tablename__ = "household_key"
    __table_args__ = (
        CheckConstraint("role IN ('applicant','spouse')", name="role"),
        unique_where("uq_household_key_active", "person_key", where="released_at IS NULL"),
    )

    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("waitlist_entry.id"), index=True)
    person_key: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None]
