"""Youth stations (service points of kind ``youth_station`` with beds) and their free beds
night by night over the booking horizon, for a guest of each kind of room."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from babel.dates import format_date

from app.config import get_settings
from app.domain import labels
from app.errors import NotFound
from app.i18n import N_, gettext, localized
from app.models import ServicePoint, StationBed
from app.models.base import utcnow
from app.repositories import youth_stations as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.youth_stations import NightRead, StationRead
from app.workflow.stays import BedGender, bed_fits
from app.workflow.values import local_date


def weekday_name(day: date, lang: str) -> str:
    return format_date(day, "EEEE", locale="zh_CN" if lang == "zh" else "en")


ROOM_LINE = N_("Room {room} ({kind}): {count} beds")


async def get_station(session: AsyncSession, code: str) -> ServicePoint:
    point = await repo.station(session, code)
    if point is None:
        raise NotFound()
    return point


def _rooms(beds: list[StationBed], lang: str) -> list[str]:
    rooms: dict[tuple[str, str], int] = {}
    for b in beds:
        rooms[(b.room, b.gender)] = rooms.get((b.room, b.gender), 0) + 1
    return [
        gettext(
            lang,
            ROOM_LINE,
            {"room": room, "kind": gettext(lang, labels.BED_GENDER[g]), "count": n},
        )
        for (room, g), n in sorted(rooms.items())
    ]


def _view(point: ServicePoint, beds: list[StationBed], lang: str) -> StationRead:
    return StationRead(
        code=point.code,
        district=point.district,
        district_name=gettext(lang, labels.DISTRICT[point.district]),
        name=localized(point, "name", lang),
        address=localized(point, "address", lang),
        beds=len(beds),
        rooms=_rooms(beds, lang),
        gendered=any(b.gender != BedGender.ANY.value for b in beds),
        is_demo=point.is_demo,
    )


async def station_list(
    session: AsyncSession, lang: str, district: str | None = None
) -> list[StationRead]:
    return [
        _view(p, await repo.beds(session, p.id), lang)
        for p in await repo.stations(session, district)
    ]


async def calendar(session: AsyncSession, code: str, lang: str) -> StationRead:
    """The station with its free beds each night from today over the booking horizon."""
    point = await get_station(session, code)
    beds = await repo.beds(session, point.id)
    view = _view(point, beds, lang)
    start = local_date(utcnow())
    horizon = get_settings().youth_station_booking_days
    taken = await repo.taken_nights(session, point.id, start, start + timedelta(days=horizon))
    for offset in range(horizon):
        night = start + timedelta(days=offset)
        free = [b for b in beds if (b.id, night) not in taken]
        view.nights.append(
            NightRead(
                day=night,
                weekday=weekday_name(night, lang),
                free_female=sum(bed_fits(b.gender, "female") for b in free),
                free_male=sum(bed_fits(b.gender, "male") for b in free),
                free_any=sum(bed_fits(b.gender, None) for b in free),
            )
        )
    return view


def free_bed_order(beds: list[StationBed], guest: str | None) -> list[StationBed]:
    """Beds the guest may take, rooms for their own gender first (keeping shared rooms for
    whoever needs them)."""
    fitting = [b for b in beds if bed_fits(b.gender, guest)]
    return sorted(fitting, key=lambda b: (b.gender == BedGender.ANY.value, b.label))


def nights_free(bed: StationBed, nights: list[date], taken: set[tuple[uuid.UUID, date]]) -> bool:
    return all((bed.id, n) not in taken for n in nights)
