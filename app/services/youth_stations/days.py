"""Days used at youth stations in a year, and the policy's limits.

The portal counts the nights of the stays it recorded (checked in, or checked out: a guest
who leaves early is counted to the night before leaving). A booked stay not yet taken holds
its days against the year's limit but is not "used". Stays elsewhere (another city scheme's
station) the portal cannot see: for those only the applicant's declaration on the approved
application is taken, and it is shown as declared (``DECLARED_FACT``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from app.errors import Conflict
from app.i18n import N_
from app.models import Case, Stay
from app.models.base import utcnow
from app.repositories import youth_stations as repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import load_library
from app.schemas.youth_stations import DaysThisYear
from app.workflow.stays import StayStatus, days_in_year, nights_used
from app.workflow.values import local_date

POLICY = "shanghai.youth_station"
# The applicant's own answer on the application: days at stations elsewhere this year.
DECLARED_FACT = "youth_station_days_elsewhere"


@dataclass(frozen=True, slots=True)
class Limits:
    per_stay: int
    per_year: int


def limits(day: date) -> Limits:
    policy = load_library().version_at(POLICY, day)
    if policy is None:
        raise Conflict(N_("No youth-station policy is in force on this day."))
    params = policy.params_at(day)
    return Limits(int(params["max_days_per_stay"]), int(params["max_days_per_year"]))


def counted_nights(stay: Stay) -> int:
    """Nights the portal counts for a recorded stay (none for one not taken)."""
    if stay.status == StayStatus.CHECKED_IN.value:
        return stay.days
    if stay.status == StayStatus.CHECKED_OUT.value and stay.checked_out_at is not None:
        return nights_used(stay.first_night, stay.days, local_date(stay.checked_out_at))
    return 0


def _nights_in(stays: list[Stay], year: int, *, counted: bool) -> int:
    spans = [(s.first_night, counted_nights(s) if counted else s.days) for s in stays]
    return days_in_year(spans, year)


async def declared_elsewhere(session: AsyncSession, case: Case | None, year: int) -> int:
    """The applicant's declaration on their approved case, if the case is of ``year``."""
    if case is None or local_date(case.submitted_at).year != year:
        return 0
    value = (await repo.answers_of_case(session, case)).get(DECLARED_FACT)
    return int(value) if isinstance(value, int | float) and value > 0 else 0


async def this_year(
    session: AsyncSession, applicant_id: uuid.UUID, year: int, case: Case | None
) -> DaysThisYear:
    recorded = await repo.person_stays(session, applicant_id, StayStatus.COUNTED)
    booked = await repo.person_stays(session, applicant_id, frozenset({StayStatus.BOOKED}))
    today = local_date(utcnow())
    rules = limits(today if year >= today.year else date(year, 12, 31))
    counted = _nights_in(recorded, year, counted=True)
    held = _nights_in(booked, year, counted=False)
    declared = await declared_elsewhere(session, case, year)
    return DaysThisYear(
        year=year,
        counted=counted,
        booked=held,
        declared=declared,
        limit=rules.per_year,
        left=max(rules.per_year - counted - held - declared, 0),
        per_stay=rules.per_stay,
    )


def years_of(first: date, days: int) -> set[int]:
    return {(first + timedelta(days=i)).year for i in range(days)}
