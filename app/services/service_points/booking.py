"""Appointments at a service point: an applicant books a slot for one of their cases or a
service the point offers, reschedules or cancels it before it starts, and hears of each
change (and the day before) through the outbox in their language.

A slot's capacity is the point's counters. Each booking takes a numbered seat of its slot and
a partial unique index over (point, slot, seat) holds it, so of two requests racing for the
last seat exactly one insert succeeds; the other is told the time is taken."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import Appointment, ServicePoint
from app.models.base import utcnow
from app.repositories import cases as cases_repo
from app.repositories import service_points as repo
from app.repositories.unit_of_work import AsyncSession, IntegrityError, violates
from app.schemas.service_points import AppointmentCreate, AppointmentRead, AppointmentReschedule
from app.services import notifications
from app.services.calendar import work_calendar
from app.services.service_points.directory import BOOKING_DAYS, get_point, hours_of
from app.services.service_points.views import advance, appointment_view, appointment_views
from app.workflow.appointments import (
    APPOINTMENTS,
    AppointmentEvent,
    AppointmentStatus,
    is_slot,
)
from app.workflow.values import SHANGHAI, local_date

SEAT_INDEX = "uq_appointment_seat"
PERSON_INDEX = "uq_appointment_person_slot"

ERR_SLOT_TAKEN = N_("This time has just been taken. Choose another time.")
ERR_PAST = N_("This time has already passed. Choose a time still to come.")
ERR_CLOSED = N_(
    "The service point does not take appointments at this time (it is closed then: a weekend, "
    "a public holiday or outside its opening hours). Choose one of the times offered."
)
ERR_TOO_FAR = N_("Appointments can be booked up to {days} days ahead.")
ERR_NOT_OFFERED = N_("This service point does not offer that service. Choose one it offers.")
ERR_CASE_NOT_OFFERED = N_(
    "This service point does not handle this case's service. Choose a point that offers it."
)
ERR_OTHER_DISTRICT = N_("This case is handled in the other district. Choose a point there.")
ERR_ALREADY = N_(
    "You already have an appointment for this on {when}. Change that appointment instead."
)
ERR_SAME_TIME = N_("You already have another appointment at this time.")
ERR_STARTED = N_("This appointment has started or passed and can no longer be changed.")
ERR_NOT_BOOKABLE = N_("This service point does not take appointments.")


class SlotTaken(Conflict):
    code = "slot_taken"
    title = N_("This time is no longer free")
    default_detail = ERR_SLOT_TAKEN


async def _check_slot(
    session: AsyncSession, point: ServicePoint, start: datetime, now: datetime
) -> datetime:
    if start <= now:
        raise ValidationFailed.on_field("slot_start", ERR_PAST)
    if local_date(start) > local_date(now) + timedelta(days=BOOKING_DAYS):
        raise ValidationFailed.on_field("slot_start", ERR_TOO_FAR, days=BOOKING_DAYS)
    calendar = await work_calendar(session)
    if not is_slot(hours_of(point), point.slot_minutes, calendar, start):
        raise ValidationFailed.on_field("slot_start", ERR_CLOSED)
    return start + timedelta(minutes=point.slot_minutes)


async def _free_seat(session: AsyncSession, point: ServicePoint, start: datetime) -> int:
    held = await repo.seats_of_slot(session, point.id, start)
    for seat in range(1, point.counters + 1):
        if seat not in held:
            return seat
    raise SlotTaken()


async def _take_seat(
    session: AsyncSession,
    point: ServicePoint,
    row: Appointment,
    start: datetime,
    end: datetime,
    *,
    new: bool,
) -> None:
    """Puts ``row`` on a free seat of the slot at ``start`` and writes it; a seat another
    request has just taken sends it to the next free one until none is left. A savepoint
    holds each attempt, so a refused one leaves the row as it was (a reschedule that finds
    the new slot full keeps its old one)."""
    version = row.version + (0 if new else 1)
    for _attempt in range(point.counters):
        seat = await _free_seat(session, point, start)
        try:
            async with session.begin_nested():
                row.slot_start, row.slot_end, row.seat_no = start, end, seat
                row.version = version
                if new:
                    session.add(row)
        except IntegrityError as exc:
            if not new:
                # The savepoint's rollback expired the row; read back what it still is.
                await session.refresh(row)
            if violates(exc, PERSON_INDEX):
                raise Conflict(ERR_SAME_TIME) from exc
            if not violates(exc, SEAT_INDEX):
                raise
            continue
        return
    raise SlotTaken()


async def book(
    session: AsyncSession, principal: Principal, data: AppointmentCreate, lang: str
) -> AppointmentRead:
    applicant_id = principal.own_applicant_id()
    point = await get_point(session, data.point_code)
    if not point.bookable:
        raise Conflict(ERR_NOT_BOOKABLE)
    case_id, service_code = data.case_id, data.service_code
    if case_id is not None:
        case = await cases_repo.get_case(session, principal, case_id)
        if case is None:
            raise NotFound()
        if case.district != point.district:
            raise ValidationFailed.on_field("case_id", ERR_OTHER_DISTRICT)
        service = await repo.service_of_case(session, case)
        service_code = service.code if service else None
        # A case is seen where its service is offered (a schooling consultation's session at
        # a point holding those consultations, not at any window of the district).
        if service_code not in point.service_codes:
            raise ValidationFailed.on_field("case_id", ERR_CASE_NOT_OFFERED)
    elif service_code not in point.service_codes:
        raise ValidationFailed.on_field("service_code", ERR_NOT_OFFERED)
    else:
        # Booked for a service the person already has an open case of: the booking belongs
        # to that case, so the department sees it there (a consultation's session).
        open_case = await repo.open_case_for_service(
            session, applicant_id, point.district, service_code
        )
        case_id = open_case.id if open_case is not None else None
    now = utcnow()
    start = data.slot_start.astimezone(SHANGHAI)
    end = await _check_slot(session, point, start, now)
    earlier = await repo.upcoming_for(
        session, applicant_id, now, case_id=case_id, service_code=service_code
    )
    if earlier is not None:
        raise Conflict(ERR_ALREADY, params={"when": _local(earlier.slot_start)})
    row = Appointment(
        id=uuid.uuid4(),
        point_id=point.id,
        district=point.district,
        applicant_id=applicant_id,
        case_id=case_id,
        service_code=service_code,
        status=AppointmentStatus.BOOKED.value,
        version=1,
    )
    await _take_seat(session, point, row, start, end, new=True)
    await _tell(session, principal, row, point, "appointment.booked")
    return await appointment_view(session, row, point, lang)


async def reschedule(
    session: AsyncSession,
    principal: Principal,
    appointment_id: uuid.UUID,
    data: AppointmentReschedule,
    lang: str,
) -> AppointmentRead:
    """Moves the booking to another slot of the same point in one step: the old seat is
    given up only when a new one is held."""
    principal.own_applicant_id()
    row, point = await _changeable(session, principal, appointment_id)
    now = utcnow()
    start = data.slot_start.astimezone(SHANGHAI)
    end = await _check_slot(session, point, start, now)
    if start != row.slot_start:
        await _take_seat(session, point, row, start, end, new=False)
        await _tell(session, principal, row, point, "appointment.rescheduled")
    return await appointment_view(session, row, point, lang)


async def cancel(
    session: AsyncSession, principal: Principal, appointment_id: uuid.UUID, lang: str
) -> AppointmentRead:
    principal.own_applicant_id()
    row, point = await _changeable(session, principal, appointment_id)
    row.status = advance(row.status, AppointmentEvent.CANCEL).value
    await session.flush()
    await _tell(session, principal, row, point, "appointment.cancelled")
    return await appointment_view(session, row, point, lang)


async def _changeable(
    session: AsyncSession, principal: Principal, appointment_id: uuid.UUID
) -> tuple[Appointment, ServicePoint]:
    row = await repo.get_appointment(session, principal, appointment_id, lock=True)
    if row is None:
        raise NotFound()
    if not APPOINTMENTS.allows(row.status, AppointmentEvent.CANCEL):
        advance(row.status, AppointmentEvent.CANCEL)
    if row.slot_start <= utcnow():
        raise Conflict(ERR_STARTED)
    point = await repo.get_point_by_id(session, row.point_id)
    assert point is not None
    return row, point


async def mine(session: AsyncSession, principal: Principal, lang: str) -> list[AppointmentRead]:
    principal.own_applicant_id()
    rows = await repo.my_appointments(session, principal)
    return await appointment_views(session, rows, lang)


async def get(
    session: AsyncSession, principal: Principal, appointment_id: uuid.UUID, lang: str
) -> AppointmentRead:
    if principal.applicant_id is None and not principal.can(Permission.HANDLE_WINDOW):
        raise PermissionDenied()
    row = await repo.get_appointment(session, principal, appointment_id)
    if row is None:
        raise NotFound()
    point = await repo.get_point_by_id(session, row.point_id)
    assert point is not None
    return await appointment_view(session, row, point, lang)


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(SHANGHAI):%Y-%m-%d %H:%M} UTC+8"


def _payload(row: Appointment, point: ServicePoint) -> Mapping[str, object]:
    return {
        "point_name": {"zh": point.name_zh, "en": point.name_en},
        "address": {"zh": point.address_zh, "en": point.address_en},
        "slot": row.slot_start,
        "url": f"/appointments/{row.id}",
    }


async def _tell(
    session: AsyncSession,
    principal: Principal,
    row: Appointment,
    point: ServicePoint,
    template: str,
) -> None:
    await notifications.enqueue(
        session,
        recipient_user_id=principal.user_id,
        template=template,
        payload=_payload(row, point),
        language=principal.language,
        dedup_key=f"appointment:{row.id}:v{row.version}:{template}",
        case_id=row.case_id,
        read_back=False,
    )


async def remind_day_before(session: AsyncSession, today: date) -> int:
    """One reminder per booking for tomorrow's appointments (Shanghai days); the outbox key
    makes a second round the same day add nothing."""
    start = datetime.combine(today + timedelta(days=1), time.min, SHANGHAI)
    sent = 0
    for row, applicant, point in await repo.due_reminders(
        session, start, start + timedelta(days=1)
    ):
        language = await repo.language_of(session, applicant.user_id)
        await notifications.enqueue(
            session,
            recipient_user_id=applicant.user_id,
            template="appointment.reminder",
            payload=_payload(row, point),
            language=language,
            dedup_key=f"appointment:{row.id}:v{row.version}:reminder",
            case_id=row.case_id,
            read_back=False,
        )
        sent += 1
    return sent
