"""What a stay looks like to its guest and to station staff: names in the reader's language,
the bed and room, the case by its number, the days counted, and what may be done now."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from app.config import get_settings
from app.domain import labels
from app.errors import Conflict
from app.i18n import gettext, localized
from app.models import Applicant, ServicePoint, Stay
from app.models.base import utcnow
from app.repositories import youth_stations as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.youth_stations import StayRead
from app.services.youth_stations.days import counted_nights
from app.workflow.errors import InvalidStatusChange
from app.workflow.stays import STAYS, StayEvent, StayStatus
from app.workflow.values import SHANGHAI, local_date


def advance(status: str, event: StayEvent) -> StayStatus:
    """The stay's move, its refusal told to the person as a conflict."""
    try:
        return STAYS.advance(status, event)
    except InvalidStatusChange as exc:
        conflict = Conflict(exc.message)
        conflict.code = exc.code
        raise conflict from exc


def past_cutoff(stay: Stay, now: datetime) -> bool:
    """Whether the first day's check-in cut-off (Shanghai time) has passed."""
    cutoff = datetime.combine(stay.first_night, get_settings().youth_station_checkin_cutoff)
    return now >= cutoff.replace(tzinfo=SHANGHAI)


async def stay_views(
    session: AsyncSession,
    rows: Sequence[tuple[Stay, Applicant | None]],
    lang: str,
) -> list[StayRead]:
    point_ids = {s.point_id for s, _a in rows}
    points: dict[object, ServicePoint] = {}
    for pid in point_ids:
        point = await repo.point_by_id(session, pid)
        assert point is not None
        points[pid] = point
    beds = await repo.bed_labels(session, {s.bed_id for s, _a in rows})
    numbers = await repo.case_numbers(session, {s.case_id for s, _a in rows if s.case_id})
    now = utcnow()
    today = local_date(now)
    out = []
    for stay, applicant in rows:
        point, bed = points[stay.point_id], beds[stay.bed_id]
        booked = stay.status == StayStatus.BOOKED.value
        staff = applicant is not None
        out.append(
            StayRead(
                id=stay.id,
                point_code=point.code,
                point_name=localized(point, "name", lang),
                point_address=localized(point, "address", lang),
                district=stay.district,
                bed=bed.label,
                room=bed.room,
                first_night=stay.first_night,
                days=stay.days,
                leave_on=stay.first_night + timedelta(days=stay.days),
                status=stay.status,
                status_name=gettext(lang, labels.STAY_STATUS[stay.status]),
                case_id=stay.case_id,
                case_number=numbers.get(stay.case_id) if stay.case_id else None,
                counted_days=counted_nights(stay),
                can_cancel=booked and stay.first_night > today,
                checked_in_at=stay.checked_in_at,
                checked_out_at=stay.checked_out_at,
                applicant_name=applicant.full_name if applicant else None,
                id_number_masked=applicant.id_number_masked if applicant else None,
                can_check_in=staff and booked and stay.first_night == today,
                can_check_out=staff and stay.status == StayStatus.CHECKED_IN.value,
                can_mark_no_show=staff
                and booked
                and (stay.first_night < today or past_cutoff(stay, now)),
            )
        )
    return out
