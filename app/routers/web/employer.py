"""Employer pages: applications naming the organisation, to confirm or deny employment."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.forms import FormPage, PageContext, shown_on, validate_form
from app.core.templates import language, redirect, render
from app.db import SessionDep
from app.routers.access import CurrentEmployer
from app.schemas.cases import CaseActionRequest
from app.services import cases as cases_service
from app.workflow.states import CaseAction

router = APIRouter(prefix="/employer", tags=["employer pages"])


@router.get("/cases", response_class=HTMLResponse)
async def cases(request: Request, principal: CurrentEmployer, session: SessionDep) -> HTMLResponse:
    context = await _cases_context(session, principal, language(request))
    return render(
        request, "employer/cases.html", {**context, "notice": request.query_params.get("done")}
    )


async def _cases_context(session: SessionDep, principal: CurrentEmployer, lang: str) -> PageContext:
    return {"cases": await cases_service.my_cases(session, principal, lang)}


@router.post("/cases/{case_id}", dependencies=[Depends(csrf_protect)])
async def answer(
    case_id: uuid.UUID, request: Request, principal: CurrentEmployer, session: SessionDep
) -> Response:
    lang = language(request)
    form = await request.form()
    confirmed = form.get("decision") == "confirm"
    data = {
        "action": CaseAction.CONFIRM_EMPLOYMENT if confirmed else CaseAction.DENY_EMPLOYMENT,
        "expected_version": form.get("version"),
        "reason": form.get("reason") or None,
    }
    page = FormPage("employer/cases.html", lambda: _cases_context(session, principal, lang))
    with shown_on(page):
        # The API's action body: the same checks of the version and the reason.
        action = validate_form(CaseActionRequest, data)
        await cases_service.act(session, principal, case_id, action, lang)
    return redirect(request, "/employer/cases?done=1")
