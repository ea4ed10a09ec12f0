"""Employer pages: the workspace (confirmations, employees' cases, the organisation's own
applications, money decided, messages), confirming employment, filing the organisation's
applications (batch claims by CSV with a line-by-line report before anything is saved), and
the written decision of its own applications, downloaded from their page."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from app.core.csrf import csrf_protect
from app.core.downloads import file_response
from app.core.forms import FormPage, PageContext, shown_on, validate_form
from app.core.templates import language, redirect, render
from app.core.uploads import FILES, refuse_oversize
from app.db import SessionDep
from app.errors import FieldError, ValidationFailed
from app.i18n import N_
from app.routers.access import CurrentEmployer
from app.schemas.cases import CaseActionRequest
from app.schemas.claims import ClaimFiling
from app.schemas.talent_register import StaffCertificationRequest
from app.services import cases as cases_service
from app.services.claims import filing, workspace
from app.services.claims.lines import decode_csv, read_csv
from app.services.issued_documents import on_case
from app.services.organisations import workspace as paid_workspace
from app.services.talent_register import staff_certification
from app.workflow.states import CaseAction

router = APIRouter(prefix="/employer", tags=["employer pages"])
Csrf = Depends(csrf_protect)
_CSV_MAX_BYTES = 1024 * 1024


@router.get("", response_class=HTMLResponse)
async def home(request: Request, principal: CurrentEmployer, session: SessionDep) -> HTMLResponse:
    space = await paid_workspace.workspace(session, principal, language(request))
    return render(request, "employer/workspace.html", {"space": space})


@router.get("/cases", response_class=HTMLResponse)
async def cases(request: Request, principal: CurrentEmployer, session: SessionDep) -> HTMLResponse:
    context = await _cases_context(session, principal, language(request))
    return render(
        request, "employer/cases.html", {**context, "notice": request.query_params.get("done")}
    )


async def _cases_context(session: SessionDep, principal: CurrentEmployer, lang: str) -> PageContext:
    return {"cases": await cases_service.my_cases(session, principal, lang)}


@router.post("/cases/{case_id}", dependencies=[Csrf])
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


async def _new_context(
    session: SessionDep, principal: CurrentEmployer, lang: str, code: str
) -> PageContext:
    services = await workspace.services(session, principal, lang)
    chosen = next((s for s in services if s.code == code), None)
    return {
        "services": services,
        "chosen": chosen,
        "values": {},
        "idempotency_key": uuid.uuid4().hex,
    }


@router.get("/claims/new", response_class=HTMLResponse)
async def new_claim(
    request: Request, principal: CurrentEmployer, session: SessionDep
) -> HTMLResponse:
    code = request.query_params.get("service", "")
    context = await _new_context(session, principal, language(request), code)
    return render(request, "employer/claim_new.html", context)


@router.post("/claims/check", dependencies=[Csrf], openapi_extra=FILES)
async def check_claim(
    request: Request, principal: CurrentEmployer, session: SessionDep
) -> Response:
    """The uploaded CSV's line-by-line report; nothing is saved. The file's text rides on in
    the report's form, so filing needs no second upload."""
    lang = language(request)
    refuse_oversize(request)
    form = await request.form(max_files=1, max_fields=10)
    code = str(form.get("service_code") or "")
    month = str(form.get("month") or "") or None
    page = FormPage("employer/claim_new.html", lambda: _new_context(session, principal, lang, code))
    with shown_on(page):
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ValidationFailed(
                field_errors=[FieldError("file", "required", N_("Choose a CSV file to upload."))]
            )
        data = await upload.read(_CSV_MAX_BYTES + 1)
        if len(data) > _CSV_MAX_BYTES:
            raise ValidationFailed(
                field_errors=[FieldError("file", "too_large", N_("The file is larger than 1 MB."))]
            )
        text = decode_csv(data)
        filing_data = validate_form(
            ClaimFiling, {"service_code": code, "month": month, "lines": read_csv(text, code)}
        )
        report = await filing.check(session, principal, filing_data, lang)
    context = await _new_context(session, principal, lang, code)
    return render(
        request,
        "employer/claim_report.html",
        {**context, "report": report, "csv_text": text, "month": month},
    )


async def _report_context(
    session: SessionDep, principal: CurrentEmployer, lang: str, fields: dict[str, Any]
) -> PageContext:
    code = str(fields.get("service_code") or "")
    context = await _new_context(session, principal, lang, code)
    data = ClaimFiling(
        service_code=code,
        month=fields.get("month") or None,
        lines=read_csv(str(fields.get("csv_text") or ""), code),
    )
    report = await filing.check(session, principal, data, lang)
    return {
        **context,
        "report": report,
        "csv_text": fields.get("csv_text"),
        "month": data.month,
        "idempotency_key": fields.get("idempotency_key") or context["idempotency_key"],
    }


@router.post("/claims", dependencies=[Csrf])
async def file_claim(request: Request, principal: CurrentEmployer, session: SessionDep) -> Response:
    """Files the organisation's application: a batch from the report page (its CSV text), or
    a plan from the new-application page."""
    lang = language(request)
    form = await request.form(max_fields=20)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    code = fields.get("service_code", "")
    batch = "csv_text" in fields
    page = (
        FormPage(
            "employer/claim_report.html",
            lambda: _report_context(session, principal, lang, fields),
        )
        if batch
        else FormPage(
            "employer/claim_new.html",
            lambda: _new_context(session, principal, lang, code),
        )
    )
    with shown_on(page):
        lines = read_csv(fields["csv_text"], code) if batch else []
        data = validate_form(
            ClaimFiling,
            {
                "service_code": code,
                "lines": lines,
                "month": fields.get("month") or None,
                "plan": fields.get("plan") or None,
                "save_valid_only": fields.get("save_valid_only") == "yes",
                "idempotency_key": fields.get("idempotency_key") or None,
            },
        )
        case = await filing.file(session, principal, data, lang)
    return redirect(request, f"/employer/claims/{case.id}?filed=1")


@router.get("/claims/{case_id}", response_class=HTMLResponse)
async def claim(
    case_id: uuid.UUID, request: Request, principal: CurrentEmployer, session: SessionDep
) -> HTMLResponse:
    case = await cases_service.case_view(session, principal, case_id, language(request))
    return render(
        request, "employer/claim.html", {"case": case, "filed": request.query_params.get("filed")}
    )


@router.get("/cases/{case_id}/issued/{doc_id}.pdf")
async def issued_download(
    case_id: uuid.UUID, doc_id: uuid.UUID, principal: CurrentEmployer, session: SessionDep
) -> Response:
    """An organisation's own written decision; it has no wallet, so the case page keeps it."""
    found = await on_case.download(session, principal, case_id, doc_id)
    return file_response(found.source, found.filename, found.content_type)


@router.get("/staff", response_class=HTMLResponse)
async def staff(request: Request, principal: CurrentEmployer, session: SessionDep) -> HTMLResponse:
    """The confirmed employees, each with the classification to apply for."""
    people = await staff_certification.confirmed_staff(session, principal)
    return render(
        request,
        "employer/staff.html",
        {"people": people, "filed": request.query_params.get("filed")},
    )


async def _certification_context(
    session: SessionDep, principal: CurrentEmployer, applicant_id: uuid.UUID, lang: str
) -> PageContext:
    member = await staff_certification.staff_member(session, principal, applicant_id)
    return {"member": member, "choices": staff_certification.form_choices(lang), "values": {}}


@router.get("/staff/{applicant_id}/certification", response_class=HTMLResponse)
async def certification_form(
    applicant_id: uuid.UUID, request: Request, principal: CurrentEmployer, session: SessionDep
) -> HTMLResponse:
    context = await _certification_context(session, principal, applicant_id, language(request))
    return render(request, "employer/staff_certification.html", context)


@router.post("/staff/{applicant_id}/certification", dependencies=[Csrf])
async def apply_for_certification(
    applicant_id: uuid.UUID, request: Request, principal: CurrentEmployer, session: SessionDep
) -> Response:
    lang = language(request)
    form = await request.form(max_fields=10)
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    page = FormPage(
        "employer/staff_certification.html",
        lambda: _certification_context(session, principal, applicant_id, lang),
    )
    with shown_on(page):
        data = validate_form(
            StaffCertificationRequest,
            {**fields, "statement": fields.get("statement") or None},
        )
        case = await staff_certification.apply_for_staff(
            session, principal, applicant_id, data, lang
        )
    return redirect(request, f"/employer/staff?filed={case.number}")
