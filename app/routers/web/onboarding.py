"""初到杨浦 / 虹桥 (issue 18): the onboarding bundle's steps on one page that the person and
their employer both open (the same progress), the employer's record of its work-permit
application in the national system, and the person's check-lists."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.downloads import file_response
from app.core.forms import FormPage, PageContext, shown_on, validate_form
from app.core.templates import language, redirect, render
from app.db import SessionDep
from app.domain.principal import Principal
from app.routers.access import CaseStaff, CurrentApplicant, CurrentEmployer, CurrentUser
from app.schemas.onboarding import ChecklistTick, HandoffRecord, HireStart, HousingAnswer
from app.services.onboarding import further_view, letter, progress, starting

router = APIRouter(prefix="/onboarding", tags=["onboarding pages"])
Csrf = Depends(csrf_protect)


async def _context(
    request: Request, session: SessionDep, principal: Principal, case_id: uuid.UUID
) -> PageContext:
    lang = language(request)
    view = await progress.read(session, principal, case_id, lang)
    further = await further_view.read(session, principal, case_id, lang)
    return {
        "onboarding": view,
        "further": further,
        "notice": request.query_params.get("done"),
        # The person declines an apartment only after reading what a decline costs.
        "confirm_decline": request.query_params.get("confirm") == "decline",
    }


def _page(
    request: Request, session: SessionDep, principal: Principal, case_id: uuid.UUID
) -> FormPage:
    return FormPage(
        "onboarding/progress.html", lambda: _context(request, session, principal, case_id)
    )


@router.get("/start", response_class=HTMLResponse)
async def start_page(request: Request, principal: CurrentEmployer) -> HTMLResponse:
    return render(request, "onboarding/start.html", {"values": {}})


@router.post("/start", dependencies=[Csrf])
async def start_for_hire(
    request: Request, principal: CurrentEmployer, session: SessionDep
) -> Response:
    form = await request.form()
    sent = {"passport_number": form.get("passport_number")}
    with shown_on(FormPage("onboarding/start.html", {"values": sent})):
        data = validate_form(HireStart, sent)
        await starting.start_for_hire(session, principal, data)
    return redirect(request, "/employer/cases?done=onboarding")


@router.get("/{case_id}", response_class=HTMLResponse)
async def progress_page(
    case_id: uuid.UUID, request: Request, principal: CurrentUser, session: SessionDep
) -> HTMLResponse:
    context = await _context(request, session, principal, case_id)
    return render(request, "onboarding/progress.html", context)


@router.post("/{case_id}/handoff", dependencies=[Csrf])
async def record_handoff(
    case_id: uuid.UUID, request: Request, principal: CurrentEmployer, session: SessionDep
) -> Response:
    form = await request.form()
    sent = {"application_number": form.get("application_number"), "outcome": form.get("outcome")}
    with shown_on(_page(request, session, principal, case_id)):
        data = validate_form(HandoffRecord, sent)
        await progress.record_handoff(session, principal, case_id, data)
    return redirect(request, f"/onboarding/{case_id}?done=handoff")


@router.post("/{case_id}/checklist", dependencies=[Csrf])
async def tick(
    case_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    form = await request.form()
    sent = {"item": form.get("item"), "ticked": form.get("ticked") == "yes"}
    with shown_on(_page(request, session, principal, case_id)):
        data = validate_form(ChecklistTick, sent)
        await progress.tick(session, principal, case_id, data)
    return redirect(request, f"/onboarding/{case_id}?done=ticked#step-{data.item}")


@router.post("/{case_id}/letter", dependencies=[Csrf])
async def issue_letter(
    case_id: uuid.UUID, request: Request, principal: CaseStaff, session: SessionDep
) -> Response:
    with shown_on(_page(request, session, principal, case_id)):
        await letter.issue(session, principal, case_id)
    return redirect(request, f"/staff/cases/{case_id}?done=letter")


@router.post("/{case_id}/housing/offer", dependencies=[Csrf])
async def offer_apartment(
    case_id: uuid.UUID, request: Request, principal: CaseStaff, session: SessionDep
) -> Response:
    """The housing office offers (another) talent apartment on the housing step."""
    with shown_on(_page(request, session, principal, case_id)):
        await progress.offer_apartment(session, principal, case_id)
    return redirect(request, f"/staff/cases/{case_id}?done=offered")


@router.post("/{case_id}/housing/{answer}", dependencies=[Csrf])
async def answer_offer(
    case_id: uuid.UUID,
    answer: Literal["accept", "decline"],
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> Response:
    form = await request.form()
    with shown_on(_page(request, session, principal, case_id)):
        data = validate_form(HousingAnswer, {"offer_id": form.get("offer_id")})
        await progress.answer_offer(session, principal, case_id, data, answer == "accept")
    done = "accepted" if answer == "accept" else "declined"
    return redirect(request, f"/onboarding/{case_id}?done={done}#step-housing")


@router.post("/{case_id}/schooling", dependencies=[Csrf])
async def request_consultation(
    case_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    """Opens the schooling consultation's own form, linked to the step."""
    with shown_on(_page(request, session, principal, case_id)):
        application_id = await progress.request_consultation(session, principal, case_id)
    return redirect(request, f"/applications/{application_id}")


@router.get("/{case_id}/letter.pdf")
async def letter_pdf(case_id: uuid.UUID, principal: CurrentUser, session: SessionDep) -> Response:
    found = await progress.letter_pdf(session, principal, case_id)
    return file_response(found.source, found.filename, found.content_type)
