"""Employer pages: applications naming the organisation, to confirm or deny employment."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.forms import FormPage, PageContext, shown_on
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
    case_id: uuid.UUID,
    request: Request,
    principal: CurrentEmployer,
    session: SessionDep,
    decision: Annotated[str, Form()] = "",
    version: Annotated[int, Form()] = 0,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    lang = language(request)
    action = CaseAction.CONFIRM_EMPLOYMENT if decision == "confirm" else CaseAction.DENY_EMPLOYMENT
    page = FormPage("employer/cases.html", lambda: _cases_context(session, principal, lang))
    with shown_on(page):
        await cases_service.act(
            session,
            principal,
            case_id,
            CaseActionRequest(
                action=action, expected_version=max(version, 1), reason=reason or None
            ),
            lang,
        )
    return redirect(request, "/employer/cases?done=1")
