"""Housing and subsidy pages: the applicant's apartment and payments; staff inventory,
allocation, finance cycles and the district dashboard."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.core.access import CurrentApplicant, CurrentStaff
from app.core.csrf import csrf_protect
from app.core.forms import error_list, errors_of, parse_form, settle_failure
from app.core.templates import language, redirect, render
from app.core.uploads import read_upload
from app.db import SessionDep
from app.errors import AppError
from app.schemas.housing import ProjectCreate
from app.services import cases as cases_service
from app.services import housing as housing_service
from app.services import housing_dashboard
from app.services import subsidies as subsidies_service
from app.services.subsidies import EnrolmentCreate

router = APIRouter(tags=["housing pages"])
Csrf = Depends(csrf_protect)


# Applicant ------------------------------------------------------------------------------------


async def _my_page(
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = language(request)
    housing = await housing_service.my_housing(session, principal)
    subsidies = await subsidies_service.my_subsidies(session, principal)
    enrolled = {s.case_id for s in subsidies}
    payable = [
        c
        for c in await cases_service.my_cases(session, principal, lang)
        if c.status in ("approved", "result_issued", "closed")
        and c.id not in enrolled
        and c.service_name
        and c.eligibility
        and "rent" in str(c.eligibility.get("policy_id", ""))
    ]
    return render(
        request,
        "applicant/housing.html",
        {
            "housing": housing,
            "subsidies": subsidies,
            "payable": payable,
            "errors": errors or [],
            "notice": request.query_params.get("done"),
        },
        status_code=status_code,
    )


@router.get("/housing", response_class=HTMLResponse)
async def my_housing(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    return await _my_page(request, principal, session)


@router.post("/housing/offers/{offer_id}", dependencies=[Csrf])
async def answer_offer(
    offer_id: uuid.UUID,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    decision: Annotated[str, Form()] = "",
) -> Response:
    try:
        if decision == "accept":
            await housing_service.accept_offer(session, principal, offer_id)
        else:
            await housing_service.decline_offer(session, principal, offer_id)
    except AppError as exc:
        await settle_failure(session, exc)
        return await _my_page(
            request, principal, session, errors_of(exc, language(request)), exc.status_code
        )
    return redirect(request, f"/housing?done={'accepted' if decision == 'accept' else 'declined'}")


@router.post("/housing/leases/{lease_id}/renew", dependencies=[Csrf])
async def renew(
    lease_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    try:
        await housing_service.renew_lease(session, principal, lease_id)
    except AppError as exc:
        await settle_failure(session, exc)
        return await _my_page(
            request, principal, session, errors_of(exc, language(request)), exc.status_code
        )
    return redirect(request, "/housing?done=renewed")


@router.post("/housing/subsidies", dependencies=[Csrf])
async def start_payments(
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    case_id: Annotated[uuid.UUID, Form()],
    account_name: Annotated[str, Form(max_length=100)] = "",
    bank_account: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        await subsidies_service.start_payments(
            session,
            principal,
            EnrolmentCreate(case_id=case_id, account_name=account_name, bank_account=bank_account),
        )
    except AppError as exc:
        await settle_failure(session, exc)
        return await _my_page(
            request, principal, session, errors_of(exc, language(request)), exc.status_code
        )
    return redirect(request, "/housing?done=enrolled")


# Staff: housing -------------------------------------------------------------------------------


async def _staff_page(
    request: Request,
    principal: CurrentStaff,
    session: SessionDep,
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    units = await housing_service.list_units(session, principal, None)
    waitlist = await housing_service.waitlist(session, principal)
    projects = await housing_service.list_projects(session, principal)
    return render(
        request,
        "staff/housing.html",
        {
            "units": units,
            "waitlist": waitlist,
            "projects": projects,
            "errors": errors or [],
            "notice": request.query_params.get("done"),
        },
        status_code=status_code,
    )


@router.get("/staff/housing", response_class=HTMLResponse)
async def staff_housing(
    request: Request, principal: CurrentStaff, session: SessionDep
) -> HTMLResponse:
    return await _staff_page(request, principal, session)


@router.post("/staff/housing/projects", dependencies=[Csrf])
async def create_project(
    request: Request, principal: CurrentStaff, session: SessionDep
) -> Response:
    form = await request.form()
    fields = {k: str(form.get(k) or "") for k in ("name_zh", "name_en", "address", "operator")}
    parsed, problems = parse_form(ProjectCreate, fields)
    if parsed is None:
        return await _staff_page(
            request, principal, session, error_list(language(request), problems), 422
        )
    await housing_service.create_project(session, principal, parsed)
    return redirect(request, "/staff/housing?done=project")


@router.post("/staff/housing/projects/{project_id}/units", dependencies=[Csrf])
async def import_units(
    project_id: uuid.UUID, request: Request, principal: CurrentStaff, session: SessionDep
) -> Response:
    try:
        upload = await read_upload(request)
        text = (await upload.file.read()).decode("utf-8-sig")
        await housing_service.import_units(session, principal, project_id, text)
    except (AppError, UnicodeDecodeError) as exc:
        if not isinstance(exc, AppError):
            from app.errors import ValidationFailed
            from app.i18n import N_

            exc = ValidationFailed(N_("The file must be UTF-8 text (CSV)."))
        await settle_failure(session, exc)
        return await _staff_page(
            request, principal, session, errors_of(exc, language(request)), exc.status_code
        )
    return redirect(request, "/staff/housing?done=imported")


@router.post("/staff/housing/allocation", dependencies=[Csrf])
async def allocate(
    request: Request,
    principal: CurrentStaff,
    session: SessionDep,
    respond_within_days: Annotated[int, Form(ge=1, le=20)] = 5,
) -> Response:
    await housing_service.allocation_round(session, principal, respond_within_days)
    return redirect(request, "/staff/housing?done=allocated")


@router.get("/staff/housing/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request, principal: CurrentStaff, session: SessionDep) -> HTMLResponse:
    data = await housing_dashboard.dashboard(session, principal)
    return render(request, "staff/housing_dashboard.html", {"d": data})


@router.get("/staff/housing/dashboard.csv")
async def dashboard_csv(principal: CurrentStaff, session: SessionDep) -> Response:
    data = await housing_dashboard.dashboard(session, principal)
    return Response(
        housing_dashboard.as_csv(data),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="housing-dashboard.csv"'},
    )


# Staff: finance -------------------------------------------------------------------------------


async def _finance_page(
    request: Request,
    principal: CurrentStaff,
    session: SessionDep,
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    cycles = await subsidies_service.list_cycles(session, principal)
    return render(
        request,
        "staff/finance.html",
        {"cycles": cycles, "errors": errors or [], "notice": request.query_params.get("done")},
        status_code=status_code,
    )


@router.get("/staff/finance", response_class=HTMLResponse)
async def finance(request: Request, principal: CurrentStaff, session: SessionDep) -> HTMLResponse:
    return await _finance_page(request, principal, session)


@router.post("/staff/finance/cycles", dependencies=[Csrf])
async def generate(
    request: Request,
    principal: CurrentStaff,
    session: SessionDep,
    month: Annotated[str, Form()] = "",
) -> Response:
    try:
        day = date.fromisoformat(month + "-01" if len(month) == 7 else month)
    except ValueError:
        from app.errors import FieldError, ValidationFailed
        from app.i18n import N_

        exc = ValidationFailed(
            field_errors=[FieldError("month", "date_parsing", N_("Enter a month as YYYY-MM."))]
        )
        return await _finance_page(
            request, principal, session, errors_of(exc, language(request)), 422
        )
    await subsidies_service.generate_cycle(session, principal, day)
    return redirect(request, "/staff/finance?done=generated")


@router.post("/staff/finance/cycles/{cycle_id}/{step}", dependencies=[Csrf])
async def cycle_step(
    cycle_id: uuid.UUID, step: str, request: Request, principal: CurrentStaff, session: SessionDep
) -> Response:
    try:
        if step == "review":
            await subsidies_service.review(session, principal, cycle_id)
        elif step == "approve":
            await subsidies_service.approve(session, principal, cycle_id)
        elif step == "results":
            upload = await read_upload(request)
            text = (await upload.file.read()).decode("utf-8-sig")
            await subsidies_service.reconcile(session, principal, cycle_id, text)
        else:
            from app.errors import NotFound

            raise NotFound()
    except AppError as exc:
        await settle_failure(session, exc)
        return await _finance_page(
            request, principal, session, errors_of(exc, language(request)), exc.status_code
        )
    return redirect(request, f"/staff/finance?done={step}")


@router.get("/staff/finance/cycles/{cycle_id}/batch.csv")
async def batch(cycle_id: uuid.UUID, principal: CurrentStaff, session: SessionDep) -> Response:
    body = await subsidies_service.batch_file(session, principal, cycle_id)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="payments-{cycle_id}.csv"'},
    )
