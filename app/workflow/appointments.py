"""Appointments at a service point's window: the booking's lifecycle and the slots a point
offers. Slots follow the point's opening hours on working days of the city's calendar only
(a public holiday closes every point, a 调休 Saturday opens it), each slot holding as many
bookings as the point has counters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from math import asin, cos, radians, sin, sqrt
from typing import ClassVar

from app.workflow.calendar import WorkCalendar
from app.workflow.errors import InvalidAppointmentChange
from app.workflow.lifecycle import Lifecycle
from app.workflow.values import SHANGHAI


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"  # arrived; the window's walk-in flow takes over
    NO_SHOW = "no_show"  # the slot ended without the person arriving
    CANCELLED = "cancelled"  # by the applicant; the seat is free again

    FINAL: ClassVar[frozenset[AppointmentStatus]]
    # Statuses that hold the seat: a cancelled booking frees it, a no-show keeps it (the slot
    # has passed anyway).
    HOLDS_SEAT: ClassVar[frozenset[AppointmentStatus]]


AppointmentStatus.FINAL = frozenset(
    {AppointmentStatus.CHECKED_IN, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED}
)
AppointmentStatus.HOLDS_SEAT = frozenset(
    {AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN, AppointmentStatus.NO_SHOW}
)


class AppointmentEvent(StrEnum):
    CHECK_IN = "check_in"
    MARK_NO_SHOW = "mark_no_show"
    CANCEL = "cancel"


APPOINTMENTS: Lifecycle[AppointmentStatus, AppointmentEvent] = Lifecycle(
    AppointmentStatus,
    AppointmentEvent,
    {
        (AppointmentStatus.BOOKED, AppointmentEvent.CHECK_IN): AppointmentStatus.CHECKED_IN,
        (AppointmentStatus.BOOKED, AppointmentEvent.MARK_NO_SHOW): AppointmentStatus.NO_SHOW,
        (AppointmentStatus.BOOKED, AppointmentEvent.CANCEL): AppointmentStatus.CANCELLED,
    },
    AppointmentStatus.FINAL,
    InvalidAppointmentChange,
)

# The SQL the partial unique indexes use for "holds the seat" (kept beside the enum).
HOLDS_SEAT_SQL = "status IN ('booked','checked_in','no_show')"


@dataclass(frozen=True, slots=True)
class Period:
    """One stretch of opening on a working day, local Shanghai time (a lunch break splits a
    day into two periods)."""

    opens: time
    closes: time

    @classmethod
    def parse(cls, text: str) -> Period:
        start, end = text.split("-")
        return cls(time.fromisoformat(start), time.fromisoformat(end))

    def __str__(self) -> str:
        return f"{self.opens:%H:%M}–{self.closes:%H:%M}"


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime  # UTC-aware
    end: datetime
    capacity: int
    taken: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.taken, 0)


@dataclass(frozen=True, slots=True)
class OpeningDay:
    day: date
    periods: tuple[Period, ...]  # empty: closed (weekend or public holiday)


def opening_days(
    hours: Sequence[Period], calendar: WorkCalendar, start: date, days: int
) -> list[OpeningDay]:
    """The point's hours on each of ``days`` days from ``start``: open on working days only."""
    out = []
    for offset in range(days):
        d = start + timedelta(days=offset)
        out.append(OpeningDay(d, tuple(hours) if calendar.is_workday(d) else ()))
    return out


def slots(
    hours: Sequence[Period],
    minutes: int,
    capacity: int,
    calendar: WorkCalendar,
    start: date,
    days: int,
    taken: Mapping[datetime, int],
    now: datetime,
) -> list[Slot]:
    """Every slot from ``start`` for ``days`` days that begins after ``now``, with how many
    of its ``capacity`` seats ``taken`` holds (keyed by the slot's UTC start)."""
    out = []
    for opening in opening_days(hours, calendar, start, days):
        for period in opening.periods:
            moment = datetime.combine(opening.day, period.opens, SHANGHAI)
            closes = datetime.combine(opening.day, period.closes, SHANGHAI)
            while moment + timedelta(minutes=minutes) <= closes:
                if moment > now:
                    end = moment + timedelta(minutes=minutes)
                    out.append(Slot(moment, end, capacity, taken.get(moment, 0)))
                moment += timedelta(minutes=minutes)
    return out


def is_slot(
    hours: Sequence[Period], minutes: int, calendar: WorkCalendar, moment: datetime
) -> bool:
    """Whether ``moment`` is the start of one of the point's slots (any day, past or not)."""
    local = moment.astimezone(SHANGHAI)
    if not calendar.is_workday(local.date()):
        return False
    for period in hours:
        opens = datetime.combine(local.date(), period.opens, SHANGHAI)
        closes = datetime.combine(local.date(), period.closes, SHANGHAI)
        offset = (local - opens).total_seconds()
        if (
            offset >= 0
            and offset % (minutes * 60) == 0
            and local + timedelta(minutes=minutes) <= closes
        ):
            return True
    return False


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine) between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(radians, (*a, *b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * asin(sqrt(h))
