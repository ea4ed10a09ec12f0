"""The directory of service points: each district's windows, talent service stations, youth
stations and the 专窗, nearest first for someone who shares where they are or names their
district, with opening hours laid against the city's working-day calendar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import format_date

from app.domain import labels
from app.errors import NotFound
from app.i18n import gettext, localized
from app.models import ServicePoint
from app.models.base import utcnow
from app.repositories import service_points as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.service_points import (
    NamedItem,
    OpeningDayRead,
    PointFilter,
    PointRead,
    SlotDay,
    SlotRead,
)
from app.services.calendar import work_calendar
from app.workflow.appointments import Period, Slot, distance_km, opening_days, slots
from app.workflow.calendar import WorkCalendar
from app.workflow.values import SHANGHAI, local_date

# Where "near me" starts for someone who names only their district: the district government
# (approximate public coordinates, used for ordering only).
DISTRICT_CENTRES: dict[str, tuple[float, float]] = {
    "yangpu": (31.2595, 121.5260),
    "changning": (31.2204, 121.4246),
}
# How far ahead the week shown and the bookable days reach.
WEEK_DAYS = 7
BOOKING_DAYS = 14


def hours_of(point: ServicePoint) -> list[Period]:
    return [Period.parse(text) for text in point.opening_hours]


def weekday_name(day: date, lang: str) -> str:
    return format_date(day, "EEEE", locale="zh_CN" if lang == "zh" else "en")


def _named(codes: Sequence[str], names: dict[str, str], lang: str) -> list[NamedItem]:
    return [NamedItem(code=c, name=gettext(lang, names[c])) for c in codes if c in names]


def point_view(
    point: ServicePoint,
    calendar: WorkCalendar,
    services: dict[str, tuple[str, str]],
    lang: str,
    today: date,
    distance: float | None = None,
) -> PointRead:
    hours = hours_of(point)
    week = [
        OpeningDayRead(
            day=d.day,
            weekday=weekday_name(d.day, lang),
            open=bool(d.periods),
            hours=", ".join(str(p) for p in d.periods),
        )
        for d in opening_days(hours, calendar, today, WEEK_DAYS)
    ]
    offered = [
        NamedItem(code=c, name=services[c][0] if lang == "zh" else services[c][1])
        for c in point.service_codes
        if c in services
    ]
    return PointRead(
        code=point.code,
        district=point.district,
        district_name=gettext(lang, labels.DISTRICT[point.district]),
        kind=point.kind,
        kind_name=gettext(lang, labels.POINT_KIND[point.kind]),
        name=localized(point, "name", lang),
        address=localized(point, "address", lang),
        latitude=point.latitude,
        longitude=point.longitude,
        distance_km=None if distance is None else round(distance, 1),
        opening_hours=[str(p) for p in hours],
        week=week,
        slot_minutes=point.slot_minutes,
        counters=point.counters,
        services=offered,
        languages=_named(point.languages, labels.SPOKEN_LANGUAGE, lang),
        accessibility=_named(point.accessibility, labels.ACCESSIBILITY, lang),
        bookable=point.bookable,
        is_demo=point.is_demo,
    )


async def _names(
    session: AsyncSession, districts: set[str]
) -> dict[str, dict[str, tuple[str, str]]]:
    return {d: await repo.service_names(session, d) for d in districts}


@dataclass(frozen=True)
class Directory:
    points: list[PointRead]
    nearest_to: tuple[float, float] | None


async def directory(session: AsyncSession, where: PointFilter, lang: str) -> Directory:
    """Every point; nearest first from the shared coordinates, else from the named district's
    centre (its own points then the other district's), else by district."""
    points = await repo.list_points(session)
    calendar = await work_calendar(session)
    names = await _names(session, {p.district for p in points})
    today = local_date(utcnow())
    origin: tuple[float, float] | None = None
    if where.lat is not None and where.lon is not None:
        origin = (where.lat, where.lon)
    elif where.district:
        origin = DISTRICT_CENTRES[where.district]
    views = []
    for p in points:
        distance = distance_km(origin, (p.latitude, p.longitude)) if origin else None
        views.append(point_view(p, calendar, names[p.district], lang, today, distance))
    if origin is not None:
        own = where.district if where.lat is None else None
        views.sort(key=lambda v: (own is not None and v.district != own, v.distance_km or 0.0))
    return Directory(views, origin)


async def get_point(session: AsyncSession, code: str) -> ServicePoint:
    point = await repo.get_point(session, code)
    if point is None:
        raise NotFound()
    return point


async def point_detail(session: AsyncSession, code: str, lang: str) -> PointRead:
    point = await get_point(session, code)
    calendar = await work_calendar(session)
    names = await repo.service_names(session, point.district)
    return point_view(point, calendar, names, lang, local_date(utcnow()))


async def open_slots(
    session: AsyncSession, point: ServicePoint, now: datetime | None = None
) -> list[Slot]:
    """The point's slots from now over the booking horizon, with their free seats."""
    moment = now or utcnow()
    today = local_date(moment)
    calendar = await work_calendar(session)
    start = datetime.combine(today, datetime.min.time(), SHANGHAI)
    end = start + timedelta(days=BOOKING_DAYS + 1)
    taken = await repo.taken_seats(session, point.id, start, end)
    return slots(
        hours_of(point),
        point.slot_minutes,
        point.counters,
        calendar,
        today,
        BOOKING_DAYS,
        taken,
        moment,
    )


async def slot_days(
    session: AsyncSession, code: str, lang: str, *, free_only: bool = True
) -> list[SlotDay]:
    point = await get_point(session, code)
    by_day: dict[date, list[SlotRead]] = {}
    for s in await open_slots(session, point):
        if free_only and not s.free:
            continue
        local = s.start.astimezone(SHANGHAI)
        by_day.setdefault(local.date(), []).append(
            SlotRead(start=s.start, end=s.end, free=s.free, day=local.date(), time=f"{local:%H:%M}")
        )
    return [
        SlotDay(day=d, weekday=weekday_name(d, lang), slots=items)
        for d, items in sorted(by_day.items())
    ]
