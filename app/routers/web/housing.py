"""Housing and subsidy pages: the applicant's apartment and payments; staff inventory,
allocation, finance cycles and the district dashboard."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.forms import FormPage, PageContext, sent_fields, shown_on, validate_form
from app.core.templates import language, redirect, render
from app.core.uploads import FILES, read_upload
from app.db import ReadSessionDep, SessionDep
from app.errors import FieldError, NotFound, ValidationFailed
from app.i18n import N_
from app.routers.access import (
    CurrentApplicant,
    CurrentStaff,
    DashboardViewer,
    HousingStaff,
    PaymentMaker,
    PaymentStaff,
)
from app.schemas.forms import CycleCreate, PreferencesUpdate, SubsidyEnrolment
from app.schemas.housing import (
    LAYOUT_LABELS,
    AllocationRequest,
    MoveOutRecord,
    MoveOutRequest,
    ProjectCreate,
    RenewalTerms,
    UnitUpdate,
)
from app.services import cases as cases_service
from app.services import housing as housing_service
from app.services import payments as subsidies_service
from app.services.housing import dashboard as housing_dashboard

router = APIRouter(tags=["housing pages"])
Csrf = Depends(csrf_protect)

# Unit, offer and lease statuses as people read them.
STATUS_LABELS = {
    "available": N_("Available"),
    "offered": N_("On offer"),
    "leased": N_("Let"),
    "maintenance": N_("In maintenance"),
    "open": N_("Open: waiting for your answer"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
    "expired": N_("Lapsed: not answered in time"),
    "active": N_("Active"),
    "ended": N_("Ended"),
}
CONDITION_LABELS = {
    "good": N_("Good: nothing to repair"),
    "minor_damage": N_("Minor damage"),
    "major_damage": N_("Major damage"),
}


# Applicant ------------------------------------------------------------------------------------


async def _my_context(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> PageContext:
    lang = language(request)
    housing = await housing_service.my_housing(session, principal)
    preferences = await housing_service.my_preferences(session, principal)
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
    return {
        "housing": housing,
        "preferences": preferences,
        "layouts": LAYOUT_LABELS,
        "statuses": STATUS_LABELS,
        "subsidies": subsidies,
        "payable": payable,
        "notice": request.query_params.get("done"),
    }


def _my_page(request: Request, principal: CurrentApplicant, session: SessionDep) -> FormPage:
    return FormPage("applicant/housing.html", lambda: _my_context(request, principal, session))


@router.get("/housing", response_class=HTMLResponse)
async def my_housing(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> HTMLResponse:
    return render(request, "applicant/housing.html", await _my_context(request, principal, session))


@router.post("/housing/offers/{offer_id}", dependencies=[Csrf])
async def answer_offer(
    offer_id: uuid.UUID,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
    decision: Annotated[str, Form()] = "",
) -> Response:
    with shown_on(_my_page(request, principal, session)):
        if decision == "accept":
            await housing_service.accept_offer(session, principal, offer_id)
        else:
            await housing_service.decline_offer(session, principal, offer_id)
    return redirect(request, f"/housing?done={'accepted' if decision == 'accept' else 'declined'}")


@router.post("/housing/leases/{lease_id}/renew", dependencies=[Csrf])
async def renew(
    lease_id: uuid.UUID, request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    with shown_on(_my_page(request, principal, session)):
        await housing_service.renew_lease(session, principal, lease_id)
    return redirect(request, "/housing?done=renewed")


@router.post("/housing/preferences", dependencies=[Csrf])
async def save_preferences(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> Response:
    form = await request.form()
    with shown_on(_my_page(request, principal, session)):
        chosen = validate_form(
            PreferencesUpdate,
            {
                "projects": [str(v) for v in form.getlist("projects")],
                "layouts": [str(v) for v in form.getlist("layouts")],
            },
        )
        await housing_service.set_preferences(
            session, principal, chosen.projects, list(chosen.layouts)
        )
    return redirect(request, "/housing?done=preferences")


@router.post("/housing/leases/{lease_id}/move-out", dependencies=[Csrf])
async def request_move_out(
    lease_id: uuid.UUID,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> Response:
    form = await request.form()
    with shown_on(_my_page(request, principal, session)):
        data = validate_form(MoveOutRequest, sent_fields(form, "move_out_on"))
        await housing_service.request_move_out(session, principal, lease_id, data.move_out_on)
    return redirect(request, "/housing?done=move_out")


@router.post("/housing/subsidies", dependencies=[Csrf])
async def start_payments(
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> Response:
    form = await request.form()
    with shown_on(_my_page(request, principal, session)):
        data = validate_form(
            SubsidyEnrolment, sent_fields(form, "case_id", "account_name", "bank_account")
        )
        await subsidies_service.start_payments(session, principal, data)
    return redirect(request, "/housing?done=enrolled")


# Staff: housing -------------------------------------------------------------------------------


async def _staff_context(
    request: Request, principal: CurrentStaff, session: SessionDep
) -> PageContext:
    units = await housing_service.list_units(session, principal, None)
    waitlist = await housing_service.waitlist(session, principal)
    projects = await housing_service.list_projects(session, principal)
    leases = await housing_service.district_leases(session, principal)
    return {
        "units": units,
        "waitlist": waitlist,
        "projects": projects,
        "leases": leases,
        "layouts": LAYOUT_LABELS,
        "statuses": STATUS_LABELS,
        "notice": request.query_params.get("done"),
    }


def _staff_page(request: Request, principal: CurrentStaff, session: SessionDep) -> FormPage:
    return FormPage("staff/housing.html", lambda: _staff_context(request, principal, session))


@router.get("/staff/housing", response_class=HTMLResponse)
async def staff_housing(
    request: Request, principal: HousingStaff, session: SessionDep
) -> HTMLResponse:
    return render(request, "staff/housing.html", await _staff_context(request, principal, session))


@router.post("/staff/housing/projects", dependencies=[Csrf])
async def create_project(
    request: Request, principal: HousingStaff, session: SessionDep
) -> Response:
    form = await request.form()
    fields = {k: str(form.get(k) or "") for k in ("name_zh", "name_en", "address", "operator")}
    with shown_on(_staff_page(request, principal, session)):
        project = validate_form(ProjectCreate, fields)
    await housing_service.create_project(session, principal, project)
    return redirect(request, "/staff/housing?done=project")


@router.post("/staff/housing/projects/{project_id}/units", dependencies=[Csrf], openapi_extra=FILES)
async def import_units(
    project_id: uuid.UUID, request: Request, principal: HousingStaff, session: SessionDep
) -> Response:
    with shown_on(_staff_page(request, principal, session)):
        upload = await read_upload(request)
        try:
            text = (await upload.file.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed(N_("The file must be UTF-8 text (CSV).")) from None
        await housing_service.import_units(session, principal, project_id, text)
    return redirect(request, "/staff/housing?done=imported")


@router.post("/staff/housing/allocation", dependencies=[Csrf])
async def allocate(
    request: Request,
    principal: HousingStaff,
    session: SessionDep,
) -> Response:
    form = await request.form()
    with shown_on(_staff_page(request, principal, session)):
        # The API's body: a field not sent is the default of 5 working days.
        round_ = validate_form(AllocationRequest, sent_fields(form, "respond_within_days"))
    await housing_service.allocation_round(session, principal, round_.respond_within_days)
    return redirect(request, "/staff/housing?done=allocated")


async def _unit_context(
    principal: HousingStaff,
    session: SessionDep,
    unit_id: uuid.UUID,
    values: dict[str, str] | None = None,
) -> PageContext:
    unit = await housing_service.staff_unit(session, principal, unit_id)
    return {
        "unit": unit,
        "layouts": LAYOUT_LABELS,
        "statuses": STATUS_LABELS,
        "values": values or unit.model_dump(mode="json"),
    }


@router.get("/staff/housing/units/{unit_id}", response_class=HTMLResponse)
async def unit_page(
    unit_id: uuid.UUID, request: Request, principal: HousingStaff, session: SessionDep
) -> HTMLResponse:
    return render(
        request, "staff/housing_unit.html", await _unit_context(principal, session, unit_id)
    )


@router.post("/staff/housing/units/{unit_id}", dependencies=[Csrf])
async def edit_unit(
    unit_id: uuid.UUID, request: Request, principal: HousingStaff, session: SessionDep
) -> Response:
    form = await request.form()
    raw = {k: str(form.get(k) or "").strip() for k in UNIT_FIELDS}
    page = FormPage(
        "staff/housing_unit.html", lambda: _unit_context(principal, session, unit_id, raw)
    )
    with shown_on(page):
        # An empty field leaves the unit's value as it is.
        changes = validate_form(UnitUpdate, {k: v for k, v in raw.items() if v})
        await housing_service.update_unit(session, principal, unit_id, changes)
    return redirect(request, "/staff/housing?done=unit")


UNIT_FIELDS = ("layout", "market_rent_cny", "talent_rent_cny", "status")


async def _lease_context(
    request: Request,
    principal: HousingStaff,
    session: SessionDep,
    lease_id: uuid.UUID,
    values: dict[str, str] | None = None,
) -> PageContext:
    lease = await housing_service.staff_lease(session, principal, lease_id)
    return {
        "lease": lease,
        "conditions": CONDITION_LABELS,
        "statuses": STATUS_LABELS,
        "max_rent": lease.monthly_rent_cny
        * (100 + housing_service.lease_rules(principal.district or "").max_rent_rise_percent)
        // 100,
        "values": values or {},
        "notice": request.query_params.get("done"),
    }


def _lease_page(
    request: Request,
    principal: HousingStaff,
    session: SessionDep,
    lease_id: uuid.UUID,
    values: dict[str, str],
) -> FormPage:
    return FormPage(
        "staff/housing_lease.html",
        lambda: _lease_context(request, principal, session, lease_id, values),
    )


@router.get("/staff/housing/leases/{lease_id}", response_class=HTMLResponse)
async def lease_page(
    lease_id: uuid.UUID, request: Request, principal: HousingStaff, session: SessionDep
) -> HTMLResponse:
    return render(
        request,
        "staff/housing_lease.html",
        await _lease_context(request, principal, session, lease_id),
    )


@router.post("/staff/housing/leases/{lease_id}/renewal-terms", dependencies=[Csrf])
async def propose_renewal(
    lease_id: uuid.UUID, request: Request, principal: HousingStaff, session: SessionDep
) -> Response:
    form = await request.form()
    raw = {"monthly_rent_cny": str(form.get("monthly_rent_cny") or "").strip()}
    with shown_on(_lease_page(request, principal, session, lease_id, raw)):
        terms = validate_form(RenewalTerms, raw)
        await housing_service.propose_renewal(session, principal, lease_id, terms.monthly_rent_cny)
    return redirect(request, f"/staff/housing/leases/{lease_id}?done=renewal")


@router.post("/staff/housing/leases/{lease_id}/move-out", dependencies=[Csrf])
async def record_move_out(
    lease_id: uuid.UUID, request: Request, principal: HousingStaff, session: SessionDep
) -> Response:
    form = await request.form()
    raw = {
        k: str(form.get(k) or "").strip() for k in ("condition", "deposit_deduction_cny", "note")
    }
    unconfirmed: list[FieldError] = []
    if not form.get("confirm"):
        unconfirmed.append(
            FieldError(
                "confirm",
                "required",
                N_("Confirm that the lease ends and the unit becomes available again."),
            )
        )
    with shown_on(_lease_page(request, principal, session, lease_id, raw)):
        record = validate_form(MoveOutRecord, {k: v for k, v in raw.items() if v}, also=unconfirmed)
        await housing_service.move_out(session, principal, lease_id, record)
    return redirect(request, f"/staff/housing/leases/{lease_id}?done=moved_out")


@router.get("/staff/housing/dashboard", response_class=HTMLResponse)
async def dashboard(
    request: Request, principal: DashboardViewer, session: ReadSessionDep
) -> HTMLResponse:
    data = await housing_dashboard.dashboard(session, principal)
    return render(request, "staff/housing_dashboard.html", {"d": data, "statuses": STATUS_LABELS})


@router.get("/staff/housing/dashboard.csv")
async def dashboard_csv(principal: DashboardViewer, session: ReadSessionDep) -> Response:
    data = await housing_dashboard.dashboard(session, principal)
    return Response(
        housing_dashboard.as_csv(data),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="housing-dashboard.csv"'},
    )


# Staff: finance -------------------------------------------------------------------------------


async def _finance_context(
    request: Request, principal: CurrentStaff, session: SessionDep
) -> PageContext:
    cycles = await subsidies_service.list_cycles(session, principal)
    return {"cycles": cycles, "notice": request.query_params.get("done")}


def _finance_page(request: Request, principal: CurrentStaff, session: SessionDep) -> FormPage:
    return FormPage("staff/finance.html", lambda: _finance_context(request, principal, session))


@router.get("/staff/finance", response_class=HTMLResponse)
async def finance(request: Request, principal: PaymentStaff, session: SessionDep) -> HTMLResponse:
    return render(
        request, "staff/finance.html", await _finance_context(request, principal, session)
    )


@router.post("/staff/finance/cycles", dependencies=[Csrf])
async def generate(
    request: Request,
    principal: PaymentMaker,
    session: SessionDep,
) -> Response:
    form = await request.form()
    with shown_on(_finance_page(request, principal, session)):
        cycle = validate_form(CycleCreate, {"month": form.get("month") or ""})
    await subsidies_service.generate_cycle(session, principal, cycle.month)
    return redirect(request, "/staff/finance?done=generated")


@router.post("/staff/finance/cycles/{cycle_id}/{step}", dependencies=[Csrf], openapi_extra=FILES)
async def cycle_step(
    cycle_id: uuid.UUID, step: str, request: Request, principal: PaymentStaff, session: SessionDep
) -> Response:
    with shown_on(_finance_page(request, principal, session)):
        if step == "review":
            await subsidies_service.review(session, principal, cycle_id)
        elif step == "approve":
            await subsidies_service.approve(session, principal, cycle_id)
        elif step == "results":
            upload = await read_upload(request)
            text = (await upload.file.read()).decode("utf-8-sig")
            await subsidies_service.reconcile(session, principal, cycle_id, text)
        else:
            raise NotFound()
    return redirect(request, f"/staff/finance?done={step}")


@router.get("/staff/finance/cycles/{cycle_id}/batch.csv")
async def batch(cycle_id: uuid.UUID, principal: PaymentStaff, session: SessionDep) -> Response:
    body = await subsidies_service.batch_file(session, principal, cycle_id)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="payments-{cycle_id}.csv"'},
    )
