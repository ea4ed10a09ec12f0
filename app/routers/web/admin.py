"""Back-office administration pages: the audit log for auditors; the holiday calendar and the
service catalog for district admins; the policy review pages for both."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.forms import (
    FormPage,
    PageContext,
    shown_on,
    validate_form,
)
from app.core.templates import language, redirect, render
from app.db import SessionDep
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import FieldError, ValidationFailed
from app.i18n import N_
from app.models.base import utcnow
from app.routers.access import require_permission
from app.services import admin as admin_service
from app.services.admin import AuditFilter, CalendarDayUpdate, ServiceUpdate
from app.services.audit import ChainReport
from app.services.catalog import shipped_materials
from app.services.eligibility import review as review_service
from app.workflow.values import local_date

router = APIRouter(prefix="/staff", tags=["staff pages"])
Auditor = Annotated[Principal, Depends(require_permission(Permission.READ_AUDIT))]
DistrictAdmin = Annotated[Principal, Depends(require_permission(Permission.MANAGE_CATALOG))]
CalendarReader = Annotated[
    Principal,
    Depends(require_permission(Permission.MANAGE_CATALOG, Permission.EDIT_CITY_CALENDAR)),
]
CalendarEditor = Annotated[Principal, Depends(require_permission(Permission.EDIT_CITY_CALENDAR))]
PolicyReviewer = Annotated[Principal, Depends(require_permission(Permission.REVIEW_POLICIES))]
Csrf = Depends(csrf_protect)

_AUDIT_FILTERS = ("action", "date_from", "date_to", "case_number", "before_seq")


async def _audit_page(
    request: Request,
    principal: Principal,
    session: SessionDep,
    values: dict[str, str | None],
    chain: ChainReport | None = None,
) -> HTMLResponse:
    context: dict[str, object] = {
        "values": {k: v for k, v in values.items() if v},
        "actions": await admin_service.audit_actions(session, principal),
        "chain": chain,
        "page": None,
    }
    with shown_on(FormPage("staff/audit.html", context)):
        filters = validate_form(AuditFilter, {k: v for k, v in values.items() if v})
        context["page"] = await admin_service.read_audit(session, principal, filters)
    context["query"] = filters.query()
    return render(request, "staff/audit.html", context)


@router.get("/audit", response_class=HTMLResponse)
async def audit_log(request: Request, principal: Auditor, session: SessionDep) -> HTMLResponse:
    """Read-only: filters narrow the district's log and pages go back in time by sequence
    number. The hash chain is not checked here: on a log of millions of rows that would make
    every view slow, so the auditor asks for it with the button."""
    values = {k: request.query_params.get(k) or None for k in _AUDIT_FILTERS}
    return await _audit_page(request, principal, session, values)


@router.post("/audit/verification", response_class=HTMLResponse, dependencies=[Csrf])
async def audit_verify(
    request: Request,
    principal: Auditor,
    session: SessionDep,
    action: Annotated[str, Form(max_length=200)] = "",
    date_from: Annotated[str, Form(max_length=200)] = "",
    date_to: Annotated[str, Form(max_length=200)] = "",
    case_number: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    """Checks the whole hash chain on request (a POST, so no link prefetch or reload of the
    list starts the long scan) and shows the result above the log with the same filters."""
    chain = await admin_service.verify_audit_chain(session, principal)
    values: dict[str, str | None] = {
        "action": action or None,
        "date_from": date_from or None,
        "date_to": date_to or None,
        "case_number": case_number or None,
    }
    return await _audit_page(request, principal, session, values, chain)


_WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


async def _calendar_context(
    request: Request, principal: Principal, session: SessionDep, year: int
) -> PageContext:
    days = await admin_service.calendar_year(session, principal, year)
    months: dict[int, list[object]] = {}
    for d in days:
        months.setdefault(d.day.month, []).append(d)
    return {
        "year": year,
        "months": months,
        "weekdays": _WEEKDAYS,
        "min_year": admin_service.MIN_YEAR,
        "max_year": admin_service.MAX_YEAR,
        "can_edit": principal.can(Permission.EDIT_CITY_CALENDAR),
    }


@router.get("/admin/calendar", response_class=HTMLResponse)
async def calendar_page(
    request: Request, principal: CalendarReader, session: SessionDep, year: int | None = None
) -> HTMLResponse:
    """Holidays and 调休 working days of a year, and the form to correct a day."""
    this_year = local_date(utcnow()).year
    if year is None or not admin_service.MIN_YEAR <= year <= admin_service.MAX_YEAR:
        year = this_year
    context = dict(await _calendar_context(request, principal, session, year))
    saved = request.query_params.get("saved")
    if saved:
        context["saved"] = {"day": saved, "moved": request.query_params.get("moved", "0")}
    return render(request, "staff/admin_calendar.html", context)


@router.post("/admin/calendar", dependencies=[Csrf])
async def calendar_save(
    request: Request,
    principal: CalendarEditor,
    session: SessionDep,
    day: Annotated[str, Form(max_length=10)] = "",
    kind: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=200)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Saves one day after the admin confirms that open deadlines will be recomputed."""
    values = {"day": day, "kind": kind, "note": note}
    problems: list[FieldError] = []
    parsed_day: date | None = None
    try:
        parsed_day = date.fromisoformat(day)
    except ValueError:
        problems.append(FieldError("day", "invalid_date", N_("Enter a real date.")))
    if kind not in ("holiday", "workday"):
        problems.append(
            FieldError(
                "kind", "required", N_("Choose whether the day is a holiday or a working day.")
            )
        )
    if not confirm:
        problems.append(
            FieldError(
                "confirm",
                "required",
                N_("Confirm that deadlines of open cases will be recalculated."),
            )
        )
    year = parsed_day.year if parsed_day else local_date(utcnow()).year
    if not admin_service.MIN_YEAR <= year <= admin_service.MAX_YEAR:
        year = local_date(utcnow()).year

    async def calendar_page() -> PageContext:
        return {**await _calendar_context(request, principal, session, year), "values": values}

    with shown_on(FormPage("staff/admin_calendar.html", calendar_page)):
        if problems or parsed_day is None:
            raise ValidationFailed(field_errors=problems)
        saved = await admin_service.set_calendar_day(
            session,
            principal,
            parsed_day,
            CalendarDayUpdate(is_workday=kind == "workday", note=note or None),
        )
    return redirect(
        request,
        f"/staff/admin/calendar?year={saved.day.year}&saved={saved.day.isoformat()}"
        f"&moved={saved.deadlines_moved}",
    )


@router.get("/admin/services", response_class=HTMLResponse)
async def services_page(
    request: Request, principal: DistrictAdmin, session: SessionDep
) -> HTMLResponse:
    """The district's services, inactive ones included."""
    services = await admin_service.list_services(session, principal)
    return render(
        request,
        "staff/admin_services.html",
        {"services": services, "saved": request.query_params.get("saved")},
    )


def _material_choices(current: list[dict[str, object]]) -> list[dict[str, object]]:
    """Every shipped material, the service's own first in its order, with the current setting."""
    shipped = shipped_materials()
    chosen = {str(m["code"]): m for m in current}
    order = [c for c in chosen if c in shipped] + [c for c in shipped if c not in chosen]
    return [
        {
            "code": code,
            "name_zh": shipped[code].name_zh,
            "name_en": shipped[code].name_en,
            "included": code in chosen,
            "key": bool(chosen[code]["key"]) if code in chosen else shipped[code].key,
            "when": (chosen[code].get("when") if code in chosen else shipped[code].when) or "",
        }
        for code in order
    ]


def _service_values(service: admin_service.AdminServiceRead) -> dict[str, object]:
    return {
        "name_zh": service.name_zh,
        "name_en": service.name_en,
        "description_zh": service.description_zh,
        "description_en": service.description_en,
        "time_limit_days": str(service.time_limit_days),
        "allows_missing_materials": service.allows_missing_materials,
        "allows_commitment": service.allows_commitment,
        "needs_employer_confirmation": service.needs_employer_confirmation,
        "reviewer_may_decide": service.reviewer_may_decide,
        "is_active": service.is_active,
    }


@router.get("/admin/services/{service_id}", response_class=HTMLResponse)
async def service_edit_page(
    service_id: uuid.UUID, request: Request, principal: DistrictAdmin, session: SessionDep
) -> HTMLResponse:
    service = await admin_service.get_service(session, principal, service_id)
    return render(
        request,
        "staff/admin_service.html",
        {
            "service": service,
            "values": _service_values(service),
            "materials": _material_choices(service.materials),
            "editable_materials": not _is_bundle(service),
        },
    )


def _is_bundle(service: admin_service.AdminServiceRead) -> bool:
    return any("routes" in m for m in service.materials)


_FLAGS = (
    "allows_missing_materials",
    "allows_commitment",
    "needs_employer_confirmation",
    "reviewer_may_decide",
    "is_active",
)
_TEXTS = ("name_zh", "name_en", "description_zh", "description_en", "time_limit_days")


@router.post("/admin/services/{service_id}", dependencies=[Csrf])
async def service_save(
    service_id: uuid.UUID, request: Request, principal: DistrictAdmin, session: SessionDep
) -> Response:
    """Saves the whole form; on any error nothing changes and the form shows what to fix."""
    service = await admin_service.get_service(session, principal, service_id)
    form = await request.form()
    editable = not _is_bundle(service)
    values: dict[str, object] = {k: str(form.get(k) or "").strip() for k in _TEXTS}
    values.update({k: bool(form.get(k)) for k in _FLAGS})
    codes = [str(c) for c in form.getlist("material")] if editable else []
    materials = [
        {"code": c, "key": bool(form.get(f"key_{c}")), "when": str(form.get(f"when_{c}") or "")}
        for c in codes
    ]
    data: dict[str, object] = {k: values[k] for k in (*_TEXTS, *_FLAGS)}
    if editable:
        data["materials"] = [{**m, "when": m["when"] or None} for m in materials]

    def row_input(field: str) -> str:
        # "materials.2.when" names the form's third chosen row: point at its own input.
        parts = field.split(".")
        if len(parts) == 3 and parts[0] == "materials" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(codes):
                return f"{parts[2]}_{codes[index]}"
        return field

    current = [{"code": m["code"], "key": m["key"], "when": m["when"]} for m in materials]
    page = FormPage(
        "staff/admin_service.html",
        {
            "service": service,
            "values": values,
            "materials": _material_choices(current) if editable else [],
            "editable_materials": editable,
        },
        field_id=row_input,
    )
    with shown_on(page):
        update = validate_form(ServiceUpdate, data)
        await admin_service.update_service(session, principal, service_id, update)
    return redirect(request, f"/staff/admin/services?saved={service.code}")


@router.get("/admin/policies", response_class=HTMLResponse)
async def policies_page(request: Request, principal: PolicyReviewer) -> HTMLResponse:
    """Every policy with its parameter counts and what the source check found."""
    policies = review_service.list_policies(principal, language(request))
    return render(request, "staff/admin_policies.html", {"policies": policies})


@router.get("/admin/policies/{policy_id}", response_class=HTMLResponse)
async def policy_review_page(
    policy_id: str, request: Request, principal: PolicyReviewer
) -> HTMLResponse:
    """Each version's parameters: values over time, source or assumption, covering cases."""
    policy = review_service.review(principal, policy_id, language(request))
    return render(request, "staff/admin_policy.html", {"policy": policy})
