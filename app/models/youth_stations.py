"""Youth stations' beds and the stays booked in them. A station is a service point of kind
``youth_station`` (the one directory); its beds, rooms and the stays are here."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey


class StationBed(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "station_bed"
    __table_args__ = (
        UniqueConstraint("point_id", "label", name="uq_station_bed_label"),
        CheckConstraint("gender IN ('any','female','male')", name="gender"),
    )

    point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_point.id"), index=True)
    district: Mapped[str] = mapped_column(String(20))
    room: Mapped[str] = mapped_column(String(40))  # the station's own room name: "201"
    label: Mapped[str] = mapped_column(String(40))  # "201-A"
    gender: Mapped[str] = mapped_column(String(10), default="any")
    active: Mapped[bool] = mapped_column(default=True)


class Stay(UUIDPrimaryKey, Timestamps, Base):
    """One person's stay in one bed for ``days`` nights from ``first_night`` (Shanghai dates)."""

    __tablename__ = "youth_station_stay"
    __table_args__ = (
        CheckConstraint(
            "status IN ('booked','checked_in','checked_out','no_show','cancelled')",
            name="status",
        ),
        CheckConstraint("days BETWEEN 1 AND 31", name="days"),
        Index("ix_youth_station_stay_day", "point_id", "first_night"),
    )

    point_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_point.id"))
    bed_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("station_bed.id"))
    district: Mapped[str] = mapped_column(String(20))
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applicant.id"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("service_case.id", ondelete="SET NULL")
    )
    first_night: Mapped[date] = mapped_column(Date)
    days: Mapped[int]
    guest_gender: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="booked")
    checked_in_at: Mapped[datetime | None]
    checked_in_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"))
    checked_out_at: Mapped[datetime | None]
    checked_out_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"))
    released_at: Mapped[datetime | None]


class BedNight(Base):
    """A bed taken for one night. The primary key (bed, night) is the overbooking guard: of
    two stays racing for the same bed's night only one insert succeeds. A cancelled, no-show
    or early-ended stay deletes its rows, which frees the nights."""

    __tablename__ = "station_bed_night"

    bed_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("station_bed.id"), primary_key=True)
    night: Mapped[date] = mapped_column(Date, primary_key=True)
    stay_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("youth_station_stay.id", ondelete="CASCADE"), index=True
    )
