"""Booking a youth-station stay: only the holder of an approved youth-station case, at a
station of the case's district, for nights from today over the booking horizon; at most the
policy's days a stay and, counting recorded, booked and declared days, its days a year.

Overbooking is impossible by the database: each night of a bed is a row whose primary key is
(bed, night), so of two stays racing for the same bed's night one insert fails, and the loser
tries the next free bed until none is left. One person's bookings are serialised by a lock on
their applicant row, so two at once cannot both pass the year's limit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from app.config import get_settings
from app.domain.principal import Principal
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import N_
from app.models import ServicePoint, Stay
from app.models.base import utcnow
from app.repositories import youth_stations as repo
from app.repositories.unit_of_work import AsyncSession, IntegrityError
from app.schemas.youth_stations import DaysThisYear, StayCreate, StayRead
from app.services import audit, notifications
from app.services.youth_stations.days import limits, this_year, years_of
from app.services.youth_stations.stations import free_bed_order, get_station, nights_free
from app.services.youth_stations.views import advance, stay_views
from app.workflow.stays import BedGender, StayEvent, StayStatus, days_in_year, nights
from app.workflow.values import SHANGHAI, local_date

ERR_NO_CASE = N_(
    "You can book a stay once your youth-station application is approved in this district. "
    "Apply for the youth station first, or choose a station in the district that approved it."
)
ERR_PAST = N_("The first night has already passed. Choose today or a later day.")
ERR_CLOSED_TODAY = N_(
    "Check-in for today closed at {cutoff} (Shanghai time). Choose tomorrow or a later day."
)
ERR_TOO_FAR = N_("Stays can be booked up to {days} days ahead.")
ERR_PER_STAY = N_("A stay is at most {limit} days (nights). Choose {limit} days or fewer.")
ERR_PER_YEAR = N_(
    "This stay would take you past {limit} days at youth stations in {year}: {taken} days are "
    "already used, booked or declared, so {left} are left. Choose {left} days or fewer."
)
ERR_YEAR_USED = N_(
    "You have used all {limit} youth-station days for {year} ({taken} used, booked or "
    "declared). No more days can be booked this year."
)
ERR_OVERLAP = N_("You already have a stay on some of these nights. Cancel it or choose others.")
ERR_NO_BED = N_("No bed is free for all of these nights. Choose other dates or another station.")
ERR_GENDER = N_("This station has women's and men's rooms: choose which room the bed is in.")
ERR_STARTED = N_("This stay has started and can no longer be cancelled.")


class NoBedFree(Conflict):
    code = "no_bed_free"
    title = N_("No bed is free")
    default_detail = ERR_NO_BED


class YearLimitReached(Conflict):
    code = "year_limit_reached"
    title = N_("The year's youth-station days are used up")
    default_detail = ERR_YEAR_USED


async def _check_year(
    session: AsyncSession, applicant_id: uuid.UUID, data: StayCreate, case_days: DaysThisYear
) -> None:
    """Each year the stay's nights fall in stays within the limit."""
    for year in sorted(years_of(data.first_night, data.days)):
        taken = case_days if year == case_days.year else None
        if taken is None:
            taken = await this_year(session, applicant_id, year, None)
        wanted = days_in_year([(data.first_night, data.days)], year)
        used = taken.counted + taken.booked + taken.declared
        if used + wanted <= taken.limit:
            continue
        params = {"limit": taken.limit, "year": year, "taken": used, "left": taken.left}
        if taken.left == 0:
            raise YearLimitReached(ERR_YEAR_USED, params=params)
        raise YearLimitReached(ERR_PER_YEAR, params=params)


async def book(
    session: AsyncSession, principal: Principal, data: StayCreate, lang: str
) -> StayRead:
    applicant_id = principal.own_applicant_id()
    point = await get_station(session, data.point_code)
    case = await repo.approved_case(session, applicant_id, point.district)
    if case is None:
        raise Conflict(ERR_NO_CASE)
    today = local_date(utcnow())
    horizon = get_settings().youth_station_booking_days
    if data.first_night < today:
        raise ValidationFailed.on_field("first_night", ERR_PAST)
    if data.first_night == today and past_cutoff_today(today):
        # The round would release it at once: a bed for tonight is no longer given.
        raise ValidationFailed.on_field("first_night", ERR_CLOSED_TODAY, cutoff=cutoff_text())
    if data.first_night >= today + timedelta(days=horizon):
        raise ValidationFailed.on_field("first_night", ERR_TOO_FAR, days=horizon)
    rule = limits(data.first_night)
    if data.days > rule.per_stay:
        raise ValidationFailed.on_field("days", ERR_PER_STAY, limit=rule.per_stay)
    beds = await repo.beds(session, point.id)
    gendered = any(b.gender != BedGender.ANY.value for b in beds)
    shared = any(b.gender == BedGender.ANY.value for b in beds)
    if gendered and data.guest_gender is None and not shared:
        raise ValidationFailed.on_field("guest_gender", ERR_GENDER)
    await repo.lock_applicant(session, applicant_id)
    wanted = nights(data.first_night, data.days)
    mine = await repo.person_stays(session, applicant_id, StayStatus.HOLDS_BED)
    if any(set(wanted) & set(nights(s.first_night, s.days)) for s in mine):
        raise Conflict(ERR_OVERLAP)
    await _check_year(
        session, applicant_id, data, await this_year(session, applicant_id, today.year, case)
    )
    stay = Stay(
        id=uuid.uuid4(),
        point_id=point.id,
        district=point.district,
        applicant_id=applicant_id,
        case_id=case.id,
        first_night=data.first_night,
        days=data.days,
        guest_gender=data.guest_gender,
        status=StayStatus.BOOKED.value,
    )
    await _take_bed(session, point, stay, data.guest_gender)
    await audit.record(
        session,
        "youth_station_stay.booked",
        actor=principal,
        object_type="youth_station_stay",
        object_id=stay.id,
        detail={"point": point.code, "first_night": str(stay.first_night), "days": stay.days},
        district=stay.district,
    )
    await _tell(session, principal.user_id, principal.language, stay, point, "youth_stay.booked")
    return (await stay_views(session, [(stay, None)], lang))[0]


async def _take_bed(
    session: AsyncSession,
    point: ServicePoint,
    stay: Stay,
    guest: str | None,
) -> None:
    """Puts the stay in the first bed free on all its nights; a night another request has just
    taken (the insert fails on the key) sends it to the next bed. Each attempt is a savepoint,
    so a refused one leaves nothing behind."""
    candidates = free_bed_order(await repo.beds(session, point.id), guest)
    end = stay.first_night + timedelta(days=stay.days)
    for bed in candidates:
        taken = await repo.taken_nights(session, point.id, stay.first_night, end)
        if not nights_free(bed, nights(stay.first_night, stay.days), taken):
            continue
        try:
            async with session.begin_nested():
                stay.bed_id = bed.id
                session.add(stay)
                await session.flush()
                await repo.hold_nights(
                    session, stay.id, bed.id, nights(stay.first_night, stay.days)
                )
        except IntegrityError:
            # Another stay took one of these nights of this bed first: the next bed.
            continue
        return
    raise NoBedFree()


async def cancel(
    session: AsyncSession, principal: Principal, stay_id: uuid.UUID, lang: str
) -> StayRead:
    principal.own_applicant_id()
    stay = await repo.get_stay(session, principal, stay_id, lock=True)
    if stay is None:
        raise NotFound()
    if stay.status == StayStatus.BOOKED.value and stay.first_night <= local_date(utcnow()):
        raise Conflict(ERR_STARTED)
    stay.status = advance(stay.status, StayEvent.CANCEL).value
    await repo.release_nights(session, stay.id, stay.first_night)
    await session.flush()
    point = await repo.point_by_id(session, stay.point_id)
    assert point is not None
    await audit.record(
        session,
        "youth_station_stay.cancelled",
        actor=principal,
        object_type="youth_station_stay",
        object_id=stay.id,
        district=stay.district,
    )
    await _tell(session, principal.user_id, principal.language, stay, point, "youth_stay.cancelled")
    return (await stay_views(session, [(stay, None)], lang))[0]


async def mine(session: AsyncSession, principal: Principal, lang: str) -> list[StayRead]:
    principal.own_applicant_id()
    rows = await repo.my_stays(session, principal)
    return await stay_views(session, [(s, None) for s in rows], lang)


async def get(
    session: AsyncSession, principal: Principal, stay_id: uuid.UUID, lang: str
) -> StayRead:
    principal.own_applicant_id()
    stay = await repo.get_stay(session, principal, stay_id)
    if stay is None:
        raise NotFound()
    return (await stay_views(session, [(stay, None)], lang))[0]


async def my_days(session: AsyncSession, principal: Principal) -> DaysThisYear:
    """This year's days for the applicant: counted, booked, declared, and what is left."""
    applicant_id = principal.own_applicant_id()
    today = local_date(utcnow())
    cases = await repo.approved_cases(session, applicant_id)
    return await this_year(session, applicant_id, today.year, cases[0] if cases else None)


async def may_book(session: AsyncSession, principal: Principal, district: str) -> bool:
    applicant_id = principal.own_applicant_id()
    return await repo.approved_case(session, applicant_id, district) is not None


def past_cutoff_today(today: date) -> bool:
    cutoff = datetime.combine(today, get_settings().youth_station_checkin_cutoff, SHANGHAI)
    return utcnow() >= cutoff


def cutoff_text() -> str:
    """The first day's check-in cut-off, local time ("20:00")."""
    return f"{get_settings().youth_station_checkin_cutoff:%H:%M}"


def payload(stay: Stay, point: ServicePoint) -> Mapping[str, object]:
    return {
        "point_name": {"zh": point.name_zh, "en": point.name_en},
        "address": {"zh": point.address_zh, "en": point.address_en},
        "first_night": stay.first_night.isoformat(),
        "leave_on": (stay.first_night + timedelta(days=stay.days)).isoformat(),
        "days": stay.days,
        "cutoff": cutoff_text(),
        "url": f"/youth-stations/stays/{stay.id}",
    }


async def _tell(
    session: AsyncSession,
    user_id: uuid.UUID,
    language: str,
    stay: Stay,
    point: ServicePoint,
    template: str,
) -> None:
    await notifications.enqueue(
        session,
        recipient_user_id=user_id,
        template=template,
        payload=payload(stay, point),
        language=language,
        dedup_key=f"youth_stay:{stay.id}:{template}",
        case_id=stay.case_id,
        read_back=False,
    )
