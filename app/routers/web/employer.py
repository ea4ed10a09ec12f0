"""Employer pages: applications naming the organisation, to confirm or deny employment."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.core.access import CurrentEmployer
from app.core.csrf import csrf_protect
from app.core.forms import errors_of, settle_failure
from app.core.templates import language, redirect, render
from app.db import SessionDep
from app.errors import AppError
from app.schemas.cases import CaseActionRequest
from app.services import cases as cases_service
from app.workflow.states import CaseAction

router = APIRouter(prefix="/employer", tags=["employer pages"])


@router.get("/cases", response_class=HTMLResponse)
async def cases(request: Request, principal: CurrentEmployer, session: SessionDep) -> HTMLResponse:
    items = await cases_service.my_cases(session, principal, language(request))
    return render(
        request, "employer/cases.html", {"cases": items, "notice": request.query_params.get("done")}
    )


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
    try:
        await cases_service.act(
            session,
            principal,
            case_id,
            CaseActionRequest(
                action=action, expected_version=max(version, 1), reason=reason or None
            ),
            lang,
        )
    except AppError as exc:
        await settle_failure(session, exc)
        items = await cases_service.my_cases(session, principal, lang)
        return render(
            request,
            "employer/cases.html",
            {"cases": items, "errors": errors_of(exc, lang)},
            status_code=exc.status_code,
        )
    return redirect(request, "/employer/cases?done=1")
