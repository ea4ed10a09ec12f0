"""Queries for youth stations, their beds and stays. Applicants read their own stays, station
staff their district's; a stay outside the caller's scope is not found."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import Select, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.principal import Principal
from app.models import (
    Applicant,
    Application,
    BedNight,
    Case,
    Service,
    ServicePoint,
    StationBed,
    Stay,
    User,
)
from app.workflow.states import CaseStatus
from app.workflow.stays import StayStatus

STATION_KIND = "youth_station"
SERVICE_CODE = "youth_station"
# The longest stay a row may hold (the table's check): older stays cannot reach a given day.
_LONGEST = 31


async def stations(session: AsyncSession, district: str | None = None) -> list[ServicePoint]:
    """Youth stations with at least one bed, by district and code."""
    with_beds = select(StationBed.point_id).where(StationBed.active.is_(True))
    stmt = (
        select(ServicePoint)
        .where(ServicePoint.kind == STATION_KIND, ServicePoint.id.in_(with_beds))
        .order_by(ServicePoint.district, ServicePoint.code)
    )
    if district:
        stmt = stmt.where(ServicePoint.district == district)
    return list((await session.execute(stmt)).scalars())


async def station(session: AsyncSession, code: str) -> ServicePoint | None:
    stmt = select(ServicePoint).where(ServicePoint.code == code, ServicePoint.kind == STATION_KIND)
    return (await session.execute(stmt)).scalar_one_or_none()


async def point_by_id(session: AsyncSession, point_id: uuid.UUID) -> ServicePoint | None:
    return await session.get(ServicePoint, point_id)


async def points_by_code(session: AsyncSession, codes: set[str]) -> dict[str, ServicePoint]:
    stmt = select(ServicePoint).where(ServicePoint.code.in_(codes))
    return {p.code: p for p in (await session.execute(stmt)).scalars()}


async def beds(session: AsyncSession, point_id: uuid.UUID) -> list[StationBed]:
    stmt = (
        select(StationBed)
        .where(StationBed.point_id == point_id, StationBed.active.is_(True))
        .order_by(StationBed.label)
    )
    return list((await session.execute(stmt)).scalars())


async def bed_labels(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, StationBed]:
    if not ids:
        return {}
    stmt = select(StationBed).where(StationBed.id.in_(ids))
    return {b.id: b for b in (await session.execute(stmt)).scalars()}


async def existing_bed_labels(session: AsyncSession, point_id: uuid.UUID) -> set[str]:
    stmt = select(StationBed.label).where(StationBed.point_id == point_id)
    return set((await session.execute(stmt)).scalars())


async def taken_nights(
    session: AsyncSession, point_id: uuid.UUID, start: date, end: date
) -> set[tuple[uuid.UUID, date]]:
    """(bed, night) pairs taken at the station from ``start`` up to (not including) ``end``."""
    stmt = (
        select(BedNight.bed_id, BedNight.night)
        .join(StationBed, StationBed.id == BedNight.bed_id)
        .where(StationBed.point_id == point_id, BedNight.night >= start, BedNight.night < end)
    )
    return {(bed, night) for bed, night in (await session.execute(stmt)).all()}


async def hold_nights(
    session: AsyncSession, stay_id: uuid.UUID, bed_id: uuid.UUID, nights: list[date]
) -> None:
    """Inserts the stay's nights in one statement: a night another stay holds fails it all."""
    await session.execute(
        insert(BedNight), [{"bed_id": bed_id, "night": n, "stay_id": stay_id} for n in nights]
    )


async def release_nights(session: AsyncSession, stay_id: uuid.UUID, since: date) -> None:
    await session.execute(
        delete(BedNight).where(BedNight.stay_id == stay_id, BedNight.night >= since)
    )


async def lock_applicant(session: AsyncSession, applicant_id: uuid.UUID) -> None:
    """Serialises one person's bookings, so two at once cannot both pass the year's limit."""
    stmt = select(Applicant.id).where(Applicant.id == applicant_id).with_for_update()
    await session.execute(stmt)


async def approved_case(
    session: AsyncSession, applicant_id: uuid.UUID, district: str
) -> Case | None:
    """The applicant's latest youth-station case in the district whose approval stands."""
    stmt = (
        select(Case)
        .join(Service, Service.id == Case.service_id)
        .where(
            Case.applicant_id == applicant_id,
            Case.district == district,
            Service.code == SERVICE_CODE,
            Case.status.in_([s.value for s in CaseStatus.APPROVAL_STANDS]),
        )
        .order_by(Case.submitted_at.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def approved_cases(session: AsyncSession, applicant_id: uuid.UUID) -> list[Case]:
    stmt = (
        select(Case)
        .join(Service, Service.id == Case.service_id)
        .where(
            Case.applicant_id == applicant_id,
            Service.code == SERVICE_CODE,
            Case.status.in_([s.value for s in CaseStatus.APPROVAL_STANDS]),
        )
        .order_by(Case.submitted_at.desc())
    )
    return list((await session.execute(stmt)).scalars())


async def answers_of_case(session: AsyncSession, case: Case) -> dict[str, object]:
    if case.application_id is None:
        return {}
    app = await session.get(Application, case.application_id)
    return dict(app.answers) if app is not None else {}


async def person_stays(
    session: AsyncSession, applicant_id: uuid.UUID, statuses: frozenset[StayStatus]
) -> list[Stay]:
    stmt = select(Stay).where(
        Stay.applicant_id == applicant_id, Stay.status.in_([s.value for s in statuses])
    )
    return list((await session.execute(stmt)).scalars())


def _readable_by(principal: Principal) -> Select[Stay]:
    stmt = select(Stay)
    if principal.applicant_id is not None:
        return stmt.where(Stay.applicant_id == principal.applicant_id)
    if principal.staff_id is not None and principal.district is not None:
        return stmt.where(Stay.district == principal.district)
    return stmt.where(Stay.id.is_(None))


async def get_stay(
    session: AsyncSession, principal: Principal, stay_id: uuid.UUID, *, lock: bool = False
) -> Stay | None:
    stmt = _readable_by(principal).where(Stay.id == stay_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def my_stays(session: AsyncSession, principal: Principal) -> list[Stay]:
    stmt = _readable_by(principal).order_by(Stay.first_night.desc(), Stay.created_at.desc())
    return list((await session.execute(stmt)).scalars())


async def day_list(
    session: AsyncSession, principal: Principal, day: date
) -> list[tuple[Stay, Applicant]]:
    """The district's stays arriving, staying or leaving on ``day`` (cancelled ones left out);
    the span is filtered here, as date sums differ between the databases."""
    stmt = (
        _readable_by(principal)
        .add_columns(Applicant)
        .join(Applicant, Applicant.id == Stay.applicant_id)
        .where(
            Stay.first_night <= day,
            Stay.first_night > _days_before(day, _LONGEST + 1),
            Stay.status != StayStatus.CANCELLED.value,
        )
        .order_by(Stay.first_night, Stay.created_at)
    )
    rows = [(s, a) for s, a in (await session.execute(stmt)).all()]
    return [(s, a) for s, a in rows if (day - s.first_night).days <= s.days]


def _days_before(day: date, days: int) -> date:
    """``day`` less ``days``, or the first date there is (a day asked for near year 1)."""
    return day - timedelta(days=days) if day.toordinal() > days else date.min


async def unarrived(session: AsyncSession, up_to: date) -> list[Stay]:
    """Booked stays whose first night is ``up_to`` or earlier: past the cut-off, no-shows."""
    stmt = (
        select(Stay)
        .where(Stay.status == StayStatus.BOOKED.value, Stay.first_night <= up_to)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars())


async def case_numbers(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    stmt = select(Case.id, Case.number).where(Case.id.in_(ids))
    return dict((await session.execute(stmt)).all())


async def applicant_user(session: AsyncSession, applicant_id: uuid.UUID) -> User | None:
    stmt = (
        select(User)
        .join(Applicant, Applicant.user_id == User.id)
        .where(Applicant.id == applicant_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def applicant_of(session: AsyncSession, applicant_id: uuid.UUID) -> Applicant | None:
    return await session.get(Applicant, applicant_id)


async def applicant_by_email(session: AsyncSession, email: str) -> Applicant | None:
    stmt = select(Applicant).join(User, User.id == Applicant.user_id).where(User.email == email)
    return (await session.execute(stmt)).scalar_one_or_none()


async def service(session: AsyncSession, district: str) -> Service | None:
    stmt = select(Service).where(Service.district == district, Service.code == SERVICE_CODE)
    return (await session.execute(stmt)).scalar_one_or_none()


def add(session: AsyncSession, row: object) -> None:
    session.add(row)
