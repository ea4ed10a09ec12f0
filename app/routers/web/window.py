"""一窗通办 at the window: find or register a walk-in, file a service for them and accept it at
once, print the acceptance receipt (the first clerk stays responsible, 首问负责)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.facts_form import fact_values
from app.core.forms import (
    FormPage,
    PageContext,
    sent_fields,
    shown_on,
    validate_form,
)
from app.core.templates import language, redirect, render
from app.core.uploads import FILES, refuse_oversize
from app.db import SessionDep
from app.errors import AppError
from app.routers.access import (
    WindowClerk,
)
from app.routers.scans import scanned_files
from app.schemas.accounts import DomesticRegistration, OverseasRegistration
from app.schemas.forms import WindowFiling
from app.services.applications import window as window_service

router = APIRouter(prefix="/staff", tags=["staff pages"])
Csrf = Depends(csrf_protect)


@router.get("/window", response_class=HTMLResponse)
async def window(request: Request, principal: WindowClerk, session: SessionDep) -> HTMLResponse:
    return render(request, "staff/window.html", {})


@router.post("/window/find", dependencies=[Csrf])
async def window_find(
    request: Request,
    principal: WindowClerk,
    session: SessionDep,
    id_kind: Annotated[str, Form()] = "resident_id",
    id_number: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    values = {"id_number": id_number, "id_kind": id_kind}

    def find_page(exc: AppError) -> FormPage:
        # Nobody with that number is an answer, not a failure: the page offers to register them
        # (the lookup stays in the audit log: NotFoundAudited keeps its writes).
        not_found = exc.status_code == 404
        return FormPage(
            "staff/window.html",
            {"values": values, "not_found": not_found},
            status_code=200 if not_found else None,
        )

    with shown_on(find_page):
        found = await window_service.find(session, principal, id_kind, id_number)
    return redirect(request, f"/staff/window/applicants/{found.id}")


@router.post("/window/register/{applicant_type}", dependencies=[Csrf])
async def window_register(
    applicant_type: str, request: Request, principal: WindowClerk, session: SessionDep
) -> Response:
    """Registers a walk-in with their consent given at the window."""
    lang = language(request)
    form = await request.form()
    data: dict[str, object] = {
        k: v for k, v in form.items() if k != "csrf_token" and isinstance(v, str)
    }
    data["consent_personal_info"] = "consent_personal_info" in form
    data["language"] = str(form.get("language") or lang)
    model: type[DomesticRegistration | OverseasRegistration] = (
        DomesticRegistration if applicant_type == "domestic" else OverseasRegistration
    )
    page = FormPage(
        "staff/window.html",
        {
            "register": applicant_type,
            "values": {k: v for k, v in data.items() if k != "password"},
        },
    )
    with shown_on(page):
        registration = validate_form(model, data)
        applicant_id = await window_service.register_walk_in(session, principal, registration)
    return redirect(request, f"/staff/window/applicants/{applicant_id}")


@router.get("/window/applicants/{applicant_id}", response_class=HTMLResponse)
async def window_applicant(
    applicant_id: uuid.UUID, request: Request, principal: WindowClerk, session: SessionDep
) -> HTMLResponse:
    data = await window_service.applicant_desk(session, principal, applicant_id, language(request))
    return render(request, "staff/window_applicant.html", {"desk": data})


@router.get("/window/applicants/{applicant_id}/services/{service_id}", response_class=HTMLResponse)
async def window_service_form(
    applicant_id: uuid.UUID,
    service_id: uuid.UUID,
    request: Request,
    principal: WindowClerk,
    session: SessionDep,
) -> HTMLResponse:
    lang = language(request)
    desk = await window_service.applicant_desk(session, principal, applicant_id, lang)
    form = await window_service.filing_form(session, principal, applicant_id, service_id, lang)
    return render(
        request, "staff/window_file.html", {"desk": desk, "form": form, "values": form.answers}
    )


@router.post(
    "/window/applicants/{applicant_id}/services/{service_id}",
    dependencies=[Csrf],
    openapi_extra=FILES,
)
async def window_file(
    applicant_id: uuid.UUID,
    service_id: uuid.UUID,
    request: Request,
    principal: WindowClerk,
    session: SessionDep,
) -> Response:
    """Files the service for the walk-in with scanned documents, marks originals seen, accepts."""
    lang = language(request)
    refuse_oversize(request)
    form = await request.form(max_files=30, max_fields=200)
    filing = await window_service.filing_form(session, principal, applicant_id, service_id, lang)
    fields: dict[str, object] = {
        "service_id": service_id,
        "answers": fact_values(form, [q.fact for q in filing.questions]),
        "original_seen": [str(v) for v in form.getlist("original_seen")],
        "pending_due_on": form.get("pending_due_on"),
        # The hidden key made when the form was shown: a second post of it (a double click, a
        # reload) answers with the case the first one opened, as the API's Idempotency-Key does.
        **sent_fields(form, "idempotency_key"),
    }

    async def filing_page() -> PageContext:
        desk = await window_service.applicant_desk(session, principal, applicant_id, lang)
        return {
            "desk": desk,
            "form": filing,
            "values": {q.fact: form.get(q.fact) for q in filing.questions},
        }

    with shown_on(FormPage("staff/window_file.html", filing_page)):
        data = validate_form(WindowFiling, fields)
        case_id = await window_service.file_and_accept(
            session, principal, applicant_id, data, scanned_files(form, filing.materials), lang
        )
    return redirect(request, f"/staff/cases/{case_id}/receipt")
