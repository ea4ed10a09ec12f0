"""Youth-station stays: the stay's lifecycle and how its days are counted.

A stay of N days is N nights: the guest arrives on the first day and leaves on the morning of
the day N after it (a 3-day stay from 1 March runs to the morning of 4 March). The policy's
"3 days a stay, 15 a year" (policy-facts-2.md §5, T12) is counted in these nights, each night
in the year of its own date, so a stay over New Year's Eve counts in both years."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum
from typing import ClassVar

from app.workflow.errors import InvalidStayChange
from app.workflow.lifecycle import Lifecycle


class StayStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CHECKED_OUT = "checked_out"
    # Not checked in by the cut-off of the first day: the beds are released, no day counted.
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"

    FINAL: ClassVar[frozenset[StayStatus]]
    # Stays whose nights the portal counts as used (the guest was there).
    COUNTED: ClassVar[frozenset[StayStatus]]
    # Stays that hold their bed's nights (and count towards the year's limit when booking).
    HOLDS_BED: ClassVar[frozenset[StayStatus]]


StayStatus.FINAL = frozenset({StayStatus.CHECKED_OUT, StayStatus.NO_SHOW, StayStatus.CANCELLED})
StayStatus.COUNTED = frozenset({StayStatus.CHECKED_IN, StayStatus.CHECKED_OUT})
StayStatus.HOLDS_BED = frozenset({StayStatus.BOOKED, StayStatus.CHECKED_IN})


class StayEvent(StrEnum):
    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    MARK_NO_SHOW = "mark_no_show"
    CANCEL = "cancel"


STAYS: Lifecycle[StayStatus, StayEvent] = Lifecycle(
    StayStatus,
    StayEvent,
    {
        (StayStatus.BOOKED, StayEvent.CHECK_IN): StayStatus.CHECKED_IN,
        (StayStatus.BOOKED, StayEvent.MARK_NO_SHOW): StayStatus.NO_SHOW,
        (StayStatus.BOOKED, StayEvent.CANCEL): StayStatus.CANCELLED,
        (StayStatus.CHECKED_IN, StayEvent.CHECK_OUT): StayStatus.CHECKED_OUT,
    },
    StayStatus.FINAL,
    InvalidStayChange,
)


class BedGender(StrEnum):
    """Whom a bed's room takes, where the station says (a shared room is for one gender)."""

    ANY = "any"
    FEMALE = "female"
    MALE = "male"


def nights(first: date, days: int) -> list[date]:
    """The nights of a stay of ``days`` days from ``first``."""
    return [first + timedelta(days=i) for i in range(days)]


def days_in_year(stays: Iterable[tuple[date, int]], year: int) -> int:
    """Nights falling in ``year`` over stays given as (first night, days)."""
    return sum(1 for first, n in stays for night in nights(first, n) if night.year == year)


def bed_fits(bed_gender: str, guest: str | None) -> bool:
    return bed_gender == BedGender.ANY.value or (guest is not None and bed_gender == guest)


def nights_used(first: date, days: int, left_on: date) -> int:
    """Nights counted for a stay ended on ``left_on``: the nights before that morning, at least
    the first (a guest who checked in has used a night) and at most the stay's."""
    return max(1, min(days, (left_on - first).days))
