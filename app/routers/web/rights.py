"""A person's rights over their data, as pages under the account: a copy of everything held
about them (prepared in the background, with its progress), who among staff read it, correcting
it, optional consents, and deleting the account. Officers decide correction requests on
``/staff/corrections``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.config import get_settings
from app.core.access import session_cookie
from app.core.csrf import csrf_protect
from app.core.downloads import file_response
from app.core.forms import FormPage, PageContext, shown_on, validate_form
from app.core.templates import language, redirect, render
from app.db import SessionDep
from app.domain.principal import Principal
from app.routers.access import CaseStaff, CurrentApplicant, PublicPage
from app.schemas.rights import (
    AccountDeletionRequest,
    CorrectionCreate,
    CorrectionDecision,
    ProfileUpdate,
)
from app.services import accounts as accounts_service
from app.services.rights import access_log, consents, corrections, deletion, exports

router = APIRouter(tags=["pages"])
Csrf = Depends(csrf_protect)


@router.get("/account/my-data", response_class=HTMLResponse)
async def my_data(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    return render(
        request,
        "applicant/my_data.html",
        {
            "exports": await exports.list_exports(session, principal),
            "link_hours": get_settings().export_link_hours,
        },
    )


@router.post("/account/my-data/exports", dependencies=[Csrf])
async def request_export(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    export = await exports.request_export(session, principal)
    return redirect(request, f"/account/my-data/exports/{export.id}")


@router.get("/account/my-data/exports/{export_id}", response_class=HTMLResponse)
async def export_status(
    export_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    """Shows the progress; with ``auto=1`` (the person's choice) it refreshes itself every few
    seconds, without a script, until the copy is ready."""
    export = await exports.get_export(session, principal, export_id)
    auto = request.query_params.get("auto") == "1"
    return render(request, "applicant/my_data_export.html", {"export": export, "auto": auto})


@router.get("/account/my-data/exports/{export_id}/download")
async def download_export(
    export_id: uuid.UUID,
    principal: CurrentApplicant,
    session: SessionDep,
    token: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    found = await exports.download(session, principal, export_id, token)
    return file_response(found.source, found.filename, found.content_type)


@router.get("/account/my-data/access", response_class=HTMLResponse)
async def who_viewed(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    entries = await access_log.who_viewed(session, principal, language(request))
    return render(request, "applicant/my_data_access.html", {"entries": entries})


async def _correct_context(session: SessionDep, principal: Principal) -> PageContext:
    account = await accounts_service.account_view(session, principal)
    applicant = account.applicant
    return {
        "profile": {
            "full_name": principal.display_name,
            "mobile": (applicant.mobile_international if applicant else None) or "",
            "chinese_name": (applicant.chinese_name if applicant else None) or "",
        },
        "applicant": applicant,
        "facts": await corrections.verified_facts(session, principal),
        "requests": await corrections.my_requests(session, principal),
        "values": {},
    }


@router.get("/account/my-data/correct", response_class=HTMLResponse)
async def correct(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    context = await _correct_context(session, principal)
    return render(
        request,
        "applicant/my_data_correct.html",
        {**context, "done": request.query_params.get("done")},
    )


@router.post("/account/my-data/profile", dependencies=[Csrf])
async def update_profile(
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    full_name: Annotated[str, Form(max_length=200)] = "",
    mobile: Annotated[str, Form(max_length=40)] = "",
    chinese_name: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    posted = {"full_name": full_name, "mobile": mobile, "chinese_name": chinese_name}

    async def page() -> PageContext:
        return {**await _correct_context(session, principal), "profile": posted}

    with shown_on(FormPage("applicant/my_data_correct.html", page)):
        data = validate_form(ProfileUpdate, posted)
        await corrections.update_profile(session, principal, data)
    return redirect(request, "/account/my-data/correct?done=profile")


@router.post("/account/my-data/corrections", dependencies=[Csrf])
async def request_correction(
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    fact: Annotated[str, Form(max_length=200)] = "",
    requested_value: Annotated[str, Form(max_length=400)] = "",
    explanation: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    verification_id, _, name = fact.partition(":")
    posted = {
        "verification_id": verification_id,
        "fact": name,
        "requested_value": requested_value,
        "explanation": explanation,
    }

    async def page() -> PageContext:
        context = await _correct_context(session, principal)
        return {**context, "values": {**posted, "fact": fact}}

    with shown_on(FormPage("applicant/my_data_correct.html", page)):
        data = validate_form(CorrectionCreate, posted)
        await corrections.request_correction(session, principal, data)
    return redirect(request, "/account/my-data/correct?done=requested")


@router.get("/account/my-data/consents", response_class=HTMLResponse)
async def consent_page(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    return render(
        request,
        "applicant/my_data_consents.html",
        {
            "consents": await consents.consents(session, principal),
            "purpose_names": consents.PURPOSE_NAMES,
            "done": request.query_params.get("done"),
        },
    )


@router.post("/account/my-data/consents", dependencies=[Csrf])
async def change_consent(
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    purpose: Annotated[str, Form(max_length=40)] = "",
    given: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    await consents.change(session, principal, purpose, given == "yes", "web")
    return redirect(
        request, f"/account/my-data/consents?done={'given' if given == 'yes' else 'withdrawn'}"
    )


async def _delete_context(
    request: Request, session: SessionDep, principal: Principal
) -> PageContext:
    return {"check": await deletion.check(session, principal, language(request)), "values": {}}


@router.get("/account/delete", response_class=HTMLResponse)
async def delete_page(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    return render(
        request, "applicant/delete_account.html", await _delete_context(request, session, principal)
    )


@router.post("/account/delete", dependencies=[Csrf])
async def delete_account(
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    async def page() -> PageContext:
        return await _delete_context(request, session, principal)

    with shown_on(FormPage("applicant/delete_account.html", page)):
        data = validate_form(AccountDeletionRequest, {"password": password})
        result = await deletion.delete_account(session, principal, data, language(request))
    response = redirect(request, f"/account/deleted?kept={result.records_kept}")
    response.delete_cookie(session_cookie(), path="/")
    return response


@router.get("/account/deleted", response_class=HTMLResponse)
async def deleted(
    request: Request, principal: PublicPage, kept: Annotated[int, Query(ge=0, le=10_000)] = 0
) -> HTMLResponse:
    return render(request, "public/account_deleted.html", {"kept": kept})


@router.get("/staff/corrections", response_class=HTMLResponse)
async def correction_queue(
    request: Request, principal: CaseStaff, session: SessionDep
) -> HTMLResponse:
    return render(
        request,
        "staff/corrections.html",
        {
            "requests": await corrections.queue(session, principal),
            "done": request.query_params.get("done"),
            "values": {},
        },
    )


@router.post("/staff/corrections/{correction_id}", dependencies=[Csrf])
async def decide_correction(
    correction_id: uuid.UUID,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
    decision: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    async def page() -> PageContext:
        return {
            "requests": await corrections.queue(session, principal),
            "failed": str(correction_id),
            "values": {"reason": reason},
        }

    form = FormPage("staff/corrections.html", page, field_id=lambda f: f"{f}-{correction_id}")
    with shown_on(form):
        data = validate_form(CorrectionDecision, {"decision": decision, "reason": reason})
        await corrections.decide(session, principal, correction_id, data)
    return redirect(request, f"/staff/corrections?done={data.decision}")
