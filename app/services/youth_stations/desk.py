"""The station staff's desk: the district's stays of a day, check-in on the first day,
check-out (an early leaver's later nights are freed and not counted), and no-shows: a stay
not checked in by the first day's cut-off is released, by staff or by the worker's round."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from app.config import get_settings
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import Conflict, NotFound, PermissionDenied
from app.i18n import N_
from app.models import Stay
from app.models.base import utcnow
from app.repositories import youth_stations as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.youth_stations import StayRead
from app.services import audit, notifications
from app.services.youth_stations.days import counted_nights
from app.services.youth_stations.stays import cutoff_text, payload
from app.services.youth_stations.views import advance, past_cutoff, stay_views
from app.workflow.stays import StayEvent
from app.workflow.values import SHANGHAI, local_date

ERR_NOT_TODAY = N_("Check-in is only possible on the first day of the stay.")
ERR_NOT_YET = N_(
    "The guest can still arrive today until {cutoff} (Shanghai time); release the bed after that."
)


def _require_station_staff(principal: Principal) -> None:
    if not principal.can(Permission.HANDLE_STAYS) or principal.district is None:
        raise PermissionDenied()


async def day_list(
    session: AsyncSession, principal: Principal, day: date | None, lang: str
) -> tuple[date, list[StayRead]]:
    _require_station_staff(principal)
    shown = day or local_date(utcnow())
    rows = await repo.day_list(session, principal, shown)
    return shown, await stay_views(session, [(s, a) for s, a in rows], lang)


async def _stay(session: AsyncSession, principal: Principal, stay_id: uuid.UUID) -> Stay:
    _require_station_staff(principal)
    stay = await repo.get_stay(session, principal, stay_id, lock=True)
    if stay is None:
        raise NotFound()
    return stay


async def get(
    session: AsyncSession, principal: Principal, stay_id: uuid.UUID, lang: str
) -> StayRead:
    _require_station_staff(principal)
    stay = await repo.get_stay(session, principal, stay_id)
    if stay is None:
        raise NotFound()
    applicant = await repo.applicant_of(session, stay.applicant_id)
    return (await stay_views(session, [(stay, applicant)], lang))[0]


async def _audit(session: AsyncSession, principal: Principal | None, stay: Stay, what: str) -> None:
    await audit.record(
        session,
        f"youth_station_stay.{what}",
        actor=principal,
        object_type="youth_station_stay",
        object_id=stay.id,
        detail={"counted_days": counted_nights(stay)},
        district=stay.district,
    )


async def check_in(session: AsyncSession, principal: Principal, stay_id: uuid.UUID) -> None:
    stay = await _stay(session, principal, stay_id)
    now = utcnow()
    if stay.first_night != local_date(now):
        raise Conflict(ERR_NOT_TODAY)
    stay.status = advance(stay.status, StayEvent.CHECK_IN).value
    stay.checked_in_at, stay.checked_in_by = now, principal.staff_id
    await session.flush()
    await _audit(session, principal, stay, "checked_in")


async def check_out(session: AsyncSession, principal: Principal, stay_id: uuid.UUID) -> None:
    stay = await _stay(session, principal, stay_id)
    now = utcnow()
    stay.status = advance(stay.status, StayEvent.CHECK_OUT).value
    stay.checked_out_at, stay.checked_out_by = now, principal.staff_id
    # Leaving early frees the bed's later nights for others (and they are not counted).
    await repo.release_nights(
        session, stay.id, stay.first_night + timedelta(days=counted_nights(stay))
    )
    await session.flush()
    await _audit(session, principal, stay, "checked_out")


async def mark_no_show(session: AsyncSession, principal: Principal, stay_id: uuid.UUID) -> None:
    stay = await _stay(session, principal, stay_id)
    now = utcnow()
    if stay.first_night >= local_date(now) and not past_cutoff(stay, now):
        raise Conflict(ERR_NOT_YET, params={"cutoff": cutoff_text()})
    await _release(session, principal, stay, now)


async def _release(
    session: AsyncSession, principal: Principal | None, stay: Stay, now: datetime
) -> None:
    stay.status = advance(stay.status, StayEvent.MARK_NO_SHOW).value
    stay.released_at = now
    await repo.release_nights(session, stay.id, stay.first_night)
    await session.flush()
    await _audit(session, principal, stay, "released")
    point = await repo.point_by_id(session, stay.point_id)
    user = await repo.applicant_user(session, stay.applicant_id)
    if point is not None and user is not None:
        await notifications.enqueue(
            session,
            recipient_user_id=user.id,
            template="youth_stay.released",
            payload=payload(stay, point),
            language=user.language,
            dedup_key=f"youth_stay:{stay.id}:youth_stay.released",
            case_id=stay.case_id,
            read_back=False,
        )


async def release_no_shows(session: AsyncSession, now: datetime) -> int:
    """The worker's round: every stay still booked after its first day's cut-off is released
    and its days not counted. Returns how many."""
    local = now.astimezone(SHANGHAI)
    cutoff = get_settings().youth_station_checkin_cutoff
    up_to = local.date() if local.time() >= cutoff else local.date() - timedelta(days=1)
    released = 0
    for stay in await repo.unarrived(session, up_to):
        await _release(session, None, stay, now)
        released += 1
    return released
