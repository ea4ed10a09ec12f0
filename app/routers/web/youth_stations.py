"""Youth-station stays as pages: the stations with the applicant's days this year, a
station's free beds night by night with the booking form, the applicant's stays with cancel
(after a confirmation), and the station staff's day list with check-in, check-out and
no-shows. Every post redirects (Post/Redirect/Get) to a page that confirms what was done."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.forms import FormPage, PageContext, shown_on, validate_form
from app.core.templates import language, redirect, render
from app.db import SessionDep
from app.domain.principal import Principal
from app.routers.access import CurrentApplicant, StationStaff
from app.schemas.youth_stations import StayCreate
from app.services.youth_stations import desk, stations, stays

router = APIRouter(tags=["youth stations pages"])
Csrf = Depends(csrf_protect)
DONE = {"booked", "cancelled"}
DESK_DONE = {"checked_in", "checked_out", "released"}


@router.get("/youth-stations", response_class=HTMLResponse)
async def stations_page(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    lang = language(request)
    context = {
        "stations": await stations.station_list(session, lang),
        "days": await stays.my_days(session, principal),
    }
    return render(request, "applicant/youth_stations.html", context)


@router.get("/youth-stations/stays", response_class=HTMLResponse)
async def my_stays(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    context = {
        "stays": await stays.mine(session, principal, language(request)),
        "days": await stays.my_days(session, principal),
    }
    return render(request, "applicant/youth_stays.html", context)


@router.get("/youth-stations/stays/{stay_id}", response_class=HTMLResponse)
async def stay_page(
    stay_id: uuid.UUID,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    done: str = "",
) -> HTMLResponse:
    stay = await stays.get(session, principal, stay_id, language(request))
    context = {"stay": stay, "done": done if done in DONE else "", "cutoff": stays.cutoff_text()}
    return render(request, "applicant/youth_stay.html", context)


@router.get("/youth-stations/stays/{stay_id}/cancel", response_class=HTMLResponse)
async def cancel_page(
    stay_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    stay = await stays.get(session, principal, stay_id, language(request))
    return render(request, "applicant/youth_stay_cancel.html", {"stay": stay})


@router.post("/youth-stations/stays/{stay_id}/cancel", dependencies=[Csrf])
async def cancel(
    stay_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    lang = language(request)

    async def page() -> PageContext:
        return {"stay": await stays.get(session, principal, stay_id, lang)}

    with shown_on(FormPage("applicant/youth_stay_cancel.html", page)):
        await stays.cancel(session, principal, stay_id, lang)
    return redirect(request, f"/youth-stations/stays/{stay_id}?done=cancelled")


async def _station_context(
    session: SessionDep, principal: Principal, code: str, lang: str
) -> PageContext:
    station = await stations.calendar(session, code, lang)
    return {
        "station": station,
        "days": await stays.my_days(session, principal),
        "may_book": await stays.may_book(session, principal, station.district),
        "values": {},
    }


@router.get("/youth-stations/{code}", response_class=HTMLResponse)
async def station_page(
    code: str, request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    context = await _station_context(session, principal, code, language(request))
    return render(request, "applicant/youth_station.html", context)


@router.post("/youth-stations/{code}/book", dependencies=[Csrf])
async def book(
    code: str,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    first_night: Annotated[str, Form(max_length=10)] = "",
    days: Annotated[str, Form(max_length=3)] = "",
    guest_gender: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    lang = language(request)
    values = {"first_night": first_night, "days": days, "guest_gender": guest_gender}

    async def page() -> PageContext:
        context = await _station_context(session, principal, code, lang)
        return {**context, "values": values}

    with shown_on(FormPage("applicant/youth_station.html", page)):
        data = validate_form(
            StayCreate,
            {
                "point_code": code,
                "first_night": first_night or None,
                "days": days or None,
                "guest_gender": guest_gender or None,
            },
        )
        made = await stays.book(session, principal, data, lang)
    return redirect(request, f"/youth-stations/stays/{made.id}?done=booked")


async def _desk_context(
    session: SessionDep, principal: Principal, day: date | None, lang: str
) -> PageContext:
    shown, rows = await desk.day_list(session, principal, day, lang)
    return {"day": shown, "stays": rows, "done": ""}


@router.get("/staff/youth-stations", response_class=HTMLResponse)
async def desk_page(
    request: Request,
    principal: StationStaff,
    session: SessionDep,
    day: date | None = None,
    done: str = "",
) -> HTMLResponse:
    context = await _desk_context(session, principal, day, language(request))
    context["done"] = done if done in DESK_DONE else ""
    return render(request, "staff/youth_stations.html", context)


def _back(day: str, done: str) -> str:
    shown = f"&day={day}" if len(day) == 10 and day[4] == "-" else ""
    return f"/staff/youth-stations?done={done}{shown}"


# The desk's three actions on a stay, each answered by the day list with what was done.
_DESK_ACTIONS = {
    "check-in": (desk.check_in, "checked_in"),
    "check-out": (desk.check_out, "checked_out"),
    "no-show": (desk.mark_no_show, "released"),
}


@router.post("/staff/youth-stations/stays/{stay_id}/{action}", dependencies=[Csrf])
async def desk_action(
    stay_id: uuid.UUID,
    action: Literal["check-in", "check-out", "no-show"],
    request: Request,
    principal: StationStaff,
    session: SessionDep,
    day: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    lang = language(request)

    async def page() -> PageContext:
        return await _desk_context(session, principal, None, lang)

    act, done = _DESK_ACTIONS[action]
    with shown_on(FormPage("staff/youth_stations.html", page)):
        await act(session, principal, stay_id)
    return redirect(request, _back(day, done))
