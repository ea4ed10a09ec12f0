"""Staff pages for organisations: the district's verification queue, one organisation with its
licence and history and the decision, and the paper confirmation of an employee's case."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.downloads import file_response
from app.core.forms import FormPage, PageContext, shown_on, validate_form
from app.core.templates import language, redirect, render
from app.core.uploads import FILES
from app.db import SessionDep
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import FieldError, ValidationFailed
from app.routers.access import CaseStaff, require_permission
from app.routers.api.organisations import ERR_VERSION, posted_upload
from app.routers.web.organisations import LABELS
from app.schemas.organisations import VerificationDecision
from app.services import cases as cases_service
from app.services.organisations import paper, verification

router = APIRouter(prefix="/staff", tags=["staff pages"])
Csrf = Depends(csrf_protect)
OrganisationVerifier = Annotated[
    Principal, Depends(require_permission(Permission.VERIFY_ORGANISATIONS))
]


@router.get("/organisations", response_class=HTMLResponse)
async def queue(
    request: Request, principal: OrganisationVerifier, session: SessionDep
) -> HTMLResponse:
    rows = await verification.queue(session, principal, language(request))
    context = {"organisations": rows, "done": request.query_params.get("done"), **LABELS}
    return render(request, "organisations/staff_queue.html", context)


async def _detail_context(
    session: SessionDep, principal: Principal, employer_id: uuid.UUID, lang: str
) -> PageContext:
    org = await verification.detail(session, principal, employer_id, lang)
    return {"org": org, "values": {}, **LABELS}


@router.get("/organisations/{employer_id}", response_class=HTMLResponse)
async def detail(
    employer_id: uuid.UUID, request: Request, principal: OrganisationVerifier, session: SessionDep
) -> HTMLResponse:
    context = await _detail_context(session, principal, employer_id, language(request))
    return render(request, "organisations/staff_detail.html", context)


@router.get("/organisations/{employer_id}/licence", response_class=FileResponse)
async def licence(
    employer_id: uuid.UUID, principal: OrganisationVerifier, session: SessionDep
) -> Response:
    found = await verification.licence(session, principal, employer_id)
    return file_response(found.source, found.filename, found.content_type)


@router.post("/organisations/{employer_id}/decision", dependencies=[Csrf])
async def decide(
    employer_id: uuid.UUID, request: Request, principal: OrganisationVerifier, session: SessionDep
) -> Response:
    form = await request.form()
    fields = {k: v for k, v in form.items() if k in ("decision", "reason") and isinstance(v, str)}
    lang = language(request)

    async def context() -> PageContext:
        return {**await _detail_context(session, principal, employer_id, lang), "values": fields}

    with shown_on(FormPage("organisations/staff_detail.html", context)):
        data = validate_form(VerificationDecision, fields)
        await verification.decide(session, principal, employer_id, data, lang)
    return redirect(request, f"/staff/organisations?done={data.decision}")


async def _paper_context(
    session: SessionDep, principal: Principal, case_id: uuid.UUID, lang: str
) -> PageContext:
    return {"case": await cases_service.case_view(session, principal, case_id, lang), "values": {}}


@router.get("/cases/{case_id}/paper-confirmation", response_class=HTMLResponse)
async def paper_form(
    case_id: uuid.UUID, request: Request, principal: CaseStaff, session: SessionDep
) -> HTMLResponse:
    context = await _paper_context(session, principal, case_id, language(request))
    return render(request, "organisations/paper_confirmation.html", context)


@router.post("/cases/{case_id}/paper-confirmation", dependencies=[Csrf], openapi_extra=FILES)
async def paper_confirmation(
    case_id: uuid.UUID, request: Request, principal: CaseStaff, session: SessionDep
) -> Response:
    letter, fields = await posted_upload(request)
    lang = language(request)

    async def context() -> PageContext:
        shown = {"reason": fields.get("reason", "")}
        return {**await _paper_context(session, principal, case_id, lang), "values": shown}

    with shown_on(FormPage("organisations/paper_confirmation.html", context)):
        version = fields.get("version", "")
        if not version.isdigit():
            raise ValidationFailed(field_errors=[FieldError("version", "required", ERR_VERSION)])
        await paper.record_paper_confirmation(
            session,
            principal,
            case_id,
            expected_version=int(version),
            reason=fields.get("reason", ""),
            letter=letter,
            lang=lang,
        )
    return redirect(request, f"/staff/cases/{case_id}?done=paper_confirmation")
