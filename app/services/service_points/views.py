"""What a booking looks like to the person who made it and to the window clerk: names in the
reader's language (point, service, status), the case by its number, and what may be done."""

from __future__ import annotations

from collections.abc import Sequence

from app.domain import labels
from app.domain.principal import Principal
from app.errors import Conflict
from app.i18n import gettext, localized
from app.models import Applicant, Appointment, ServicePoint
from app.models.base import utcnow
from app.repositories import cases as cases_repo
from app.repositories import service_points as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.service_points import AppointmentRead
from app.workflow.appointments import APPOINTMENTS, AppointmentEvent, AppointmentStatus
from app.workflow.errors import InvalidStatusChange
from app.workflow.states import CaseStatus
from app.workflow.values import local_date


def advance(status: str, event: AppointmentEvent) -> AppointmentStatus:
    """The booking's move, its refusal told to the person as a conflict."""
    try:
        return APPOINTMENTS.advance(status, event)
    except InvalidStatusChange as exc:
        conflict = Conflict(exc.message)
        conflict.code = exc.code
        raise conflict from exc


async def appointment_view(
    session: AsyncSession,
    row: Appointment,
    point: ServicePoint,
    lang: str,
    applicant: Applicant | None = None,
) -> AppointmentRead:
    return (await _views(session, [(row, point, applicant)], lang))[0]


async def appointment_views(
    session: AsyncSession, rows: Sequence[Appointment], lang: str
) -> list[AppointmentRead]:
    points = {p.id: p for p in await repo.list_points(session)}
    return await _views(session, [(r, points[r.point_id], None) for r in rows], lang)


async def staff_views(
    session: AsyncSession,
    rows: Sequence[tuple[Appointment, Applicant, ServicePoint]],
    lang: str,
) -> list[AppointmentRead]:
    return await _views(session, [(a, p, applicant) for a, applicant, p in rows], lang)


async def _views(
    session: AsyncSession,
    rows: Sequence[tuple[Appointment, ServicePoint, Applicant | None]],
    lang: str,
) -> list[AppointmentRead]:
    names = {d: await repo.service_names(session, d) for d in {p.district for _, p, _a in rows}}
    cases = await repo.case_labels(session, {r.case_id for r, _p, _a in rows if r.case_id})
    now = utcnow()
    out = []
    for row, point, applicant in rows:
        service = names[point.district].get(row.service_code or "")
        case = cases.get(row.case_id) if row.case_id else None
        booked = APPOINTMENTS.allows(row.status, AppointmentEvent.CANCEL)
        out.append(
            AppointmentRead(
                id=row.id,
                point_code=point.code,
                point_name=localized(point, "name", lang),
                point_address=localized(point, "address", lang),
                district=row.district,
                slot_start=row.slot_start,
                slot_end=row.slot_end,
                seat_no=row.seat_no,
                status=row.status,
                status_name=gettext(lang, labels.APPOINTMENT_STATUS[row.status]),
                service_code=row.service_code,
                service_name=(service[0] if lang == "zh" else service[1]) if service else None,
                case_id=row.case_id,
                case_number=case.number if case else None,
                can_change=booked and row.slot_start > now,
                checked_in_at=row.checked_in_at,
                applicant_id=applicant.id if applicant else None,
                applicant_name=applicant.full_name if applicant else None,
                id_number_masked=applicant.id_number_masked if applicant else None,
                # Arrival is taken on the appointment's day (early or late), never another day.
                can_check_in=applicant is not None
                and booked
                and local_date(row.slot_start) == local_date(now),
                can_mark_no_show=applicant is not None and booked and row.slot_end <= now,
            )
        )
    return out


async def purposes(
    session: AsyncSession, principal: Principal, point: ServicePoint, lang: str
) -> list[tuple[str, str]]:
    """What an applicant may book at ``point``: their open cases of its district whose service
    it offers, then the services it offers (form values ``case:<id>`` and ``service:<code>``)."""
    out = []
    with_case: set[str] = set()
    if principal.applicant_id is not None:
        for case in await cases_repo.list_cases_for_applicant(session, principal):
            if case.district != point.district or CaseStatus(case.status) in CaseStatus.FINAL:
                continue
            service = await repo.service_of_case(session, case)
            if service is None or service.code not in point.service_codes:
                continue  # booked only where its service is offered
            name = localized(service, "name", lang)
            with_case.add(service.code)
            out.append((f"case:{case.id}", f"{case.number} – {name}"))
    names = await repo.service_names(session, point.district)
    for code in point.service_codes:
        # A service with an open case is booked for the case (listed above), not twice.
        if code in names and code not in with_case:
            out.append((f"service:{code}", names[code][0] if lang == "zh" else names[code][1]))
    return out
