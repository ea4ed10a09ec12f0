"""Service points and appointments as pages: the directory (nearest first from a district or
shared coordinates, no JavaScript), a point with its week against the working-day calendar,
booking with a confirmation (Post/Redirect/Get), the applicant's appointments, and the window
clerk's day list with check-in into the walk-in desk."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.forms import FormPage, PageContext, shown_on, validate_form
from app.core.templates import language, redirect, render
from app.db import SessionDep
from app.domain.principal import Principal
from app.errors import FieldError, ValidationFailed
from app.i18n import N_
from app.routers.access import CurrentApplicant, PublicPage, WindowClerk
from app.schemas.service_points import (
    AppointmentCreate,
    AppointmentReschedule,
    PointFilter,
)
from app.services.service_points import booking, desk, directory, views

router = APIRouter(tags=["service points pages"])
Csrf = Depends(csrf_protect)
ERR_CHOOSE_TIME = N_("Choose a time.")
ERR_CHOOSE_PURPOSE = N_("Choose what the appointment is for.")
DONE = {"booked", "rescheduled", "cancelled"}


@router.get("/service-points", response_class=HTMLResponse)
async def points_page(
    request: Request,
    principal: PublicPage,
    session: SessionDep,
    district: str = "",
    lat: str = "",
    lon: str = "",
) -> HTMLResponse:
    values = {"district": district, "lat": lat, "lon": lon}
    lang = language(request)

    async def everything() -> PageContext:
        found = await directory.directory(session, PointFilter(), lang)
        return {"points": found.points, "values": values, "searched": False}

    with shown_on(FormPage("public/service_points.html", everything)):
        where = validate_form(PointFilter, {k: v or None for k, v in values.items()})
    found = await directory.directory(session, where, lang)
    searched = found.nearest_to is not None
    return render(
        request,
        "public/service_points.html",
        {"points": found.points, "values": values, "searched": searched},
    )


@router.get("/service-points/{code}", response_class=HTMLResponse)
async def point_page(
    code: str, request: Request, principal: PublicPage, session: SessionDep
) -> HTMLResponse:
    point = await directory.point_detail(session, code, language(request))
    return render(request, "public/service_point.html", {"point": point})


async def _booking_context(
    session: SessionDep, principal: Principal, code: str, lang: str
) -> PageContext:
    point = await directory.get_point(session, code)
    return {
        "point": await directory.point_detail(session, code, lang),
        "days": await directory.slot_days(session, code, lang),
        "purposes": await views.purposes(session, principal, point, lang),
    }


@router.get("/service-points/{code}/book", response_class=HTMLResponse)
async def book_page(
    code: str,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    purpose: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    # A case page's booking link names its case: chosen already, if it is one of the choices.
    context = await _booking_context(session, principal, code, language(request))
    chosen = purpose if any(value == purpose for value, _text in context["purposes"]) else ""
    return render(
        request, "applicant/appointment_book.html", {**context, "values": {"purpose": chosen}}
    )


def _chosen(purpose: str, slot_start: str) -> dict[str, Any]:
    problems = []
    if not slot_start:
        problems.append(FieldError("slot_start", "required", ERR_CHOOSE_TIME))
    kind, _sep, value = purpose.partition(":")
    if kind not in {"case", "service"} or not value:
        problems.append(FieldError("purpose", "required", ERR_CHOOSE_PURPOSE))
    if problems:
        raise ValidationFailed(field_errors=problems)
    return {"slot_start": slot_start, f"{kind}_id" if kind == "case" else "service_code": value}


@router.post("/service-points/{code}/book", dependencies=[Csrf])
async def book(
    code: str,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    purpose: Annotated[str, Form(max_length=100)] = "",
    slot_start: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    lang = language(request)

    async def page() -> PageContext:
        context = await _booking_context(session, principal, code, lang)
        return {**context, "values": {"purpose": purpose, "slot_start": slot_start}}

    with shown_on(FormPage("applicant/appointment_book.html", page)):
        data = validate_form(
            AppointmentCreate, {"point_code": code, **_chosen(purpose, slot_start)}
        )
        made = await booking.book(session, principal, data, lang)
    return redirect(request, f"/appointments/{made.id}?done=booked")


@router.get("/appointments", response_class=HTMLResponse)
async def my_appointments(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    rows = await booking.mine(session, principal, language(request))
    return render(request, "applicant/appointments.html", {"appointments": rows})


@router.get("/appointments/{appointment_id}", response_class=HTMLResponse)
async def appointment_page(
    appointment_id: uuid.UUID,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    done: str = "",
) -> HTMLResponse:
    row = await booking.get(session, principal, appointment_id, language(request))
    return render(
        request,
        "applicant/appointment.html",
        {"appointment": row, "done": done if done in DONE else ""},
    )


async def _reschedule_context(
    session: SessionDep, principal: Principal, appointment_id: uuid.UUID, lang: str
) -> PageContext:
    row = await booking.get(session, principal, appointment_id, lang)
    return {
        "appointment": row,
        "days": await directory.slot_days(session, row.point_code, lang),
    }


@router.get("/appointments/{appointment_id}/reschedule", response_class=HTMLResponse)
async def reschedule_page(
    appointment_id: uuid.UUID,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> HTMLResponse:
    context = await _reschedule_context(session, principal, appointment_id, language(request))
    return render(request, "applicant/appointment_reschedule.html", context)


@router.post("/appointments/{appointment_id}/reschedule", dependencies=[Csrf])
async def reschedule(
    appointment_id: uuid.UUID,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    slot_start: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    lang = language(request)

    async def page() -> PageContext:
        context = await _reschedule_context(session, principal, appointment_id, lang)
        return {**context, "values": {"slot_start": slot_start}}

    with shown_on(FormPage("applicant/appointment_reschedule.html", page)):
        if not slot_start:
            raise ValidationFailed(
                field_errors=[FieldError("slot_start", "required", ERR_CHOOSE_TIME)]
            )
        data = validate_form(AppointmentReschedule, {"slot_start": slot_start})
        await booking.reschedule(session, principal, appointment_id, data, lang)
    return redirect(request, f"/appointments/{appointment_id}?done=rescheduled")


@router.get("/appointments/{appointment_id}/cancel", response_class=HTMLResponse)
async def cancel_page(
    appointment_id: uuid.UUID,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> HTMLResponse:
    row = await booking.get(session, principal, appointment_id, language(request))
    return render(request, "applicant/appointment_cancel.html", {"appointment": row})


@router.post("/appointments/{appointment_id}/cancel", dependencies=[Csrf])
async def cancel(
    appointment_id: uuid.UUID,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> Response:
    async def page() -> PageContext:
        return {
            "appointment": await booking.get(session, principal, appointment_id, language(request))
        }

    with shown_on(FormPage("applicant/appointment_cancel.html", page)):
        await booking.cancel(session, principal, appointment_id, language(request))
    return redirect(request, f"/appointments/{appointment_id}?done=cancelled")


async def _day_context(
    session: SessionDep, principal: Principal, day: date | None, lang: str
) -> PageContext:
    shown, rows = await desk.day_list(session, principal, day, lang)
    return {"day": shown, "appointments": rows}


@router.get("/staff/appointments", response_class=HTMLResponse)
async def day_list(
    request: Request,
    principal: WindowClerk,
    session: SessionDep,
    day: date | None = None,
) -> HTMLResponse:
    context = await _day_context(session, principal, day, language(request))
    return render(request, "staff/appointments.html", context)


@router.post("/staff/appointments/{appointment_id}/check-in", dependencies=[Csrf])
async def check_in(
    appointment_id: uuid.UUID,
    request: Request,
    principal: WindowClerk,
    session: SessionDep,
) -> Response:
    """Arrival opens the walk-in desk with the person already found."""
    lang = language(request)

    async def page() -> PageContext:
        return await _day_context(session, principal, None, lang)

    with shown_on(FormPage("staff/appointments.html", page)):
        applicant_id = await desk.check_in(session, principal, appointment_id)
    return redirect(request, f"/staff/window/applicants/{applicant_id}")


@router.post("/staff/appointments/{appointment_id}/no-show", dependencies=[Csrf])
async def no_show(
    appointment_id: uuid.UUID,
    request: Request,
    principal: WindowClerk,
    session: SessionDep,
    day: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    lang = language(request)

    async def page() -> PageContext:
        return await _day_context(session, principal, None, lang)

    with shown_on(FormPage("staff/appointments.html", page)):
        await desk.mark_no_show(session, principal, appointment_id)
    suffix = f"?day={day}" if len(day) == 10 and day[4] == "-" else ""
    return redirect(request, f"/staff/appointments{suffix}")
