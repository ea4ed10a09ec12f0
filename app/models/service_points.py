"""Service points (windows, talent service stations, youth stations, the 专窗) and the
appointments booked at their counters."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey, unique_where
from app.workflow.appointments import HOLDS_SEAT_SQL


class ServicePoint(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "service_point"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('window','talent_station','youth_station','priority_window')", name="kind"
        ),
        CheckConstraint("counters BETWEEN 1 AND 50", name="counters"),
        CheckConstraint("slot_minutes BETWEEN 5 AND 240", name="slot_minutes"),
    )

    code: Mapped[str] = mapped_column(String(60), unique=True)
    district: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    address_zh: Mapped[str] = mapped_column(String(300))
    address_en: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[float]
    longitude: Mapped[float]
    # Opening on working days, local time: ["09:00-12:00", "13:30-17:00"].
    opening_hours: Mapped[list[str]] = mapped_column(JSON, default=list)
    slot_minutes: Mapped[int] = mapped_column(default=30)
    counters: Mapped[int] = mapped_column(default=1)  # bookings one slot holds
    service_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # catalog codes
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # zh, en, ja, ...
    accessibility: Mapped[list[str]] = mapped_column(JSON, default=list)
    bookable: Mapped[bool] = mapped_column(default=True)
    # Invented for the demo (address, coordinates, hours): pages say so.
    is_demo: Mapped[bool] = mapped_column(default=False)


class Appointment(UUIDPrimaryKey, Timestamps, Base):
    """One seat of one slot. The seat index makes the slot's capacity a database fact: two
    bookings racing for the last seat both pick its number and only one insert succeeds."""

    __tablename__ = "appointment"
    __table_args__ = (
        unique_where(
            "uq_appointment_seat", "point_id", "slot_start", "seat_no", where=HOLDS_SEAT_SQL
        ),
        # One person, one booking at a time: not two seats of the same moment anywhere.
        unique_where(
            "uq_appointment_person_slot", "applicant_id", "slot_start", where="status = 'booked'"
        ),
        CheckConstraint("status IN ('booked','checked_in','no_show','cancelled')", name="status"),
        CheckConstraint("case_id IS NOT NULL OR service_code IS NOT NULL", name="case_or_service"),
        Index("ix_appointment_day", "point_id", "slot_start"),
    )

    point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_point.id"))
    district: Mapped[str] = mapped_column(String(20))
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicant.id"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("service_case.id", ondelete="SET NULL")
    )
    service_code: Mapped[str | None] = mapped_column(String(60))
    slot_start: Mapped[datetime]
    slot_end: Mapped[datetime]
    seat_no: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="booked")
    checked_in_at: Mapped[datetime | None]
    checked_in_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"))
    # Bumped on each reschedule so every booking's reminder and notices have keys of their own.
    version: Mapped[int] = mapped_column(default=1)
