"""Records retention pages: records officers review destruction lists (remove a case with a
reason, submit, approve as the second officer) and place or release legal holds; district
admins set each service's retention rules. Every action has its confirmation page."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.forms import FormPage, PageContext, shown_on, validate_form
from app.core.templates import language, redirect, render
from app.db import SessionDep
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.routers.access import require_permission
from app.schemas.retention import HoldCreate, HoldRelease, ItemRemoval
from app.services import admin as admin_service
from app.services.admin import ServiceUpdate
from app.services.retention import holds, lists
from app.services.retention.rules import RULE_KEYS
from app.workflow.retention import (
    ANCHOR_LABELS,
    DISPOSAL_LABELS,
    PART_LABELS,
    RESULT_LABELS,
    CaseResult,
)
from app.workflow.values import SHANGHAI

router = APIRouter(prefix="/staff", tags=["staff pages"])
RecordsOfficer = Annotated[Principal, Depends(require_permission(Permission.MANAGE_RECORDS))]
DistrictAdmin = Annotated[Principal, Depends(require_permission(Permission.MANAGE_CATALOG))]
Csrf = Depends(csrf_protect)
Reason = Annotated[str, Form(max_length=2000)]


@router.get("/records", response_class=HTMLResponse)
async def records_home(
    request: Request, principal: RecordsOfficer, session: SessionDep
) -> HTMLResponse:
    """The district's destruction lists and the cases on legal hold."""
    return render(
        request,
        "staff/records.html",
        {
            "lists": await lists.list_summaries(session, principal, language(request)),
            "holds": await holds.list_holds(session, principal),
            "tz": SHANGHAI,
            "done": request.query_params.get("done"),
        },
    )


@router.get("/records/lists/{list_id}", response_class=HTMLResponse)
async def list_page(
    list_id: uuid.UUID, request: Request, principal: RecordsOfficer, session: SessionDep
) -> HTMLResponse:
    listing = await lists.list_view(session, principal, list_id, language(request))
    return render(
        request,
        "staff/records_list.html",
        {"listing": listing, "tz": SHANGHAI, "done": request.query_params.get("done")},
    )


def _confirm(kind: str, listing: object, item: object = None) -> dict[str, object]:
    return {"kind": kind, "listing": listing, "item": item, "values": {}}


@router.get("/records/lists/{list_id}/submit", response_class=HTMLResponse)
async def list_submit_page(
    list_id: uuid.UUID, request: Request, principal: RecordsOfficer, session: SessionDep
) -> HTMLResponse:
    listing = await lists.list_view(session, principal, list_id, language(request))
    return render(request, "staff/records_confirm.html", _confirm("submit", listing))


@router.get("/records/lists/{list_id}/approve", response_class=HTMLResponse)
async def list_approve_page(
    list_id: uuid.UUID, request: Request, principal: RecordsOfficer, session: SessionDep
) -> HTMLResponse:
    listing = await lists.list_view(session, principal, list_id, language(request))
    return render(request, "staff/records_confirm.html", _confirm("approve", listing))


@router.post("/records/lists/{list_id}/submit", dependencies=[Csrf])
async def list_submit(
    list_id: uuid.UUID, request: Request, principal: RecordsOfficer, session: SessionDep
) -> Response:
    lang = language(request)

    async def page() -> PageContext:
        return _confirm("submit", await lists.list_view(session, principal, list_id, lang))

    with shown_on(FormPage("staff/records_confirm.html", page)):
        await lists.submit(session, principal, list_id, lang)
    return redirect(request, f"/staff/records/lists/{list_id}?done=submitted")


@router.post("/records/lists/{list_id}/approve", dependencies=[Csrf])
async def list_approve(
    list_id: uuid.UUID, request: Request, principal: RecordsOfficer, session: SessionDep
) -> Response:
    lang = language(request)

    async def page() -> PageContext:
        return _confirm("approve", await lists.list_view(session, principal, list_id, lang))

    with shown_on(FormPage("staff/records_confirm.html", page)):
        await lists.approve(session, principal, list_id, lang)
    return redirect(request, f"/staff/records/lists/{list_id}?done=destroyed")


@router.get("/records/lists/{list_id}/items/{item_id}/remove", response_class=HTMLResponse)
async def item_remove_page(
    list_id: uuid.UUID,
    item_id: uuid.UUID,
    request: Request,
    principal: RecordsOfficer,
    session: SessionDep,
) -> HTMLResponse:
    listing = await lists.list_view(session, principal, list_id, language(request))
    item = next((i for i in listing.items if i.id == item_id), None)
    context = _confirm("remove", listing, item)
    return render(request, "staff/records_confirm.html", context, status_code=200 if item else 404)


@router.post("/records/lists/{list_id}/items/{item_id}/remove", dependencies=[Csrf])
async def item_remove(
    list_id: uuid.UUID,
    item_id: uuid.UUID,
    request: Request,
    principal: RecordsOfficer,
    session: SessionDep,
    reason: Reason = "",
) -> Response:
    lang = language(request)

    async def page() -> PageContext:
        listing = await lists.list_view(session, principal, list_id, lang)
        item = next((i for i in listing.items if i.id == item_id), None)
        return {**_confirm("remove", listing, item), "values": {"reason": reason}}

    with shown_on(FormPage("staff/records_confirm.html", page)):
        data = validate_form(ItemRemoval, {"reason": reason})
        await lists.remove_item(session, principal, list_id, item_id, data, lang)
    return redirect(request, f"/staff/records/lists/{list_id}?done=removed")


@router.get("/records/holds/new", response_class=HTMLResponse)
async def hold_page(request: Request, principal: RecordsOfficer) -> HTMLResponse:
    return render(request, "staff/records_hold.html", {"values": {}, "hold": None})


@router.post("/records/holds", dependencies=[Csrf])
async def hold_place(
    request: Request,
    principal: RecordsOfficer,
    session: SessionDep,
    case_number: Annotated[str, Form(max_length=60)] = "",
    reason: Reason = "",
) -> Response:
    values = {"case_number": case_number.strip(), "reason": reason}
    with shown_on(FormPage("staff/records_hold.html", {"values": values, "hold": None})):
        data = validate_form(HoldCreate, values)
        await holds.place(session, principal, data)
    return redirect(request, "/staff/records?done=held")


@router.get("/records/holds/{hold_id}/release", response_class=HTMLResponse)
async def hold_release_page(
    hold_id: uuid.UUID, request: Request, principal: RecordsOfficer, session: SessionDep
) -> HTMLResponse:
    found = next((h for h in await holds.list_holds(session, principal) if h.id == hold_id), None)
    context: PageContext = {"values": {}, "hold": found}
    return render(request, "staff/records_hold.html", context, status_code=200 if found else 404)


@router.post("/records/holds/{hold_id}/release", dependencies=[Csrf])
async def hold_release(
    hold_id: uuid.UUID,
    request: Request,
    principal: RecordsOfficer,
    session: SessionDep,
    reason: Reason = "",
) -> Response:
    async def page() -> PageContext:
        found = next(
            (h for h in await holds.list_holds(session, principal) if h.id == hold_id), None
        )
        return {"values": {"reason": reason}, "hold": found}

    with shown_on(FormPage("staff/records_hold.html", page)):
        data = validate_form(HoldRelease, {"reason": reason})
        await holds.release(session, principal, hold_id, data)
    return redirect(request, "/staff/records?done=released")


# --- A service's retention rules (district admins) -------------------------------------------


def _rule_values(service: admin_service.AdminServiceRead) -> dict[str, object]:
    values: dict[str, object] = {}
    for rule in service.retention:
        key = rule.result
        values[f"{key}_years"] = "" if rule.years is None else str(rule.years)
        values[f"{key}_from"] = rule.runs_from
        values[f"{key}_disposal"] = rule.disposal
        values[f"{key}_keeps"] = list(rule.keeps)
        values[f"{key}_assumed"] = rule.assumed
        values[f"{key}_source"] = rule.source or ""
        values[f"{key}_set"] = True
    return values


def _retention_context(
    service: admin_service.AdminServiceRead, values: dict[str, object]
) -> PageContext:
    results = [
        (key, RESULT_LABELS[CaseResult(key)] if key != "default" else None) for key in RULE_KEYS
    ]
    return {
        "service": service,
        "values": values,
        "results": results,
        "anchors": ANCHOR_LABELS,
        "disposals": DISPOSAL_LABELS,
        "parts": PART_LABELS,
    }


@router.get("/admin/services/{service_id}/retention", response_class=HTMLResponse)
async def retention_page(
    service_id: uuid.UUID, request: Request, principal: DistrictAdmin, session: SessionDep
) -> HTMLResponse:
    """The service's retention rule per result, and the default for the results not named."""
    service = await admin_service.get_service(session, principal, service_id)
    return render(
        request, "staff/admin_retention.html", _retention_context(service, _rule_values(service))
    )


@router.post("/admin/services/{service_id}/retention", dependencies=[Csrf])
async def retention_save(
    service_id: uuid.UUID, request: Request, principal: DistrictAdmin, session: SessionDep
) -> Response:
    service = await admin_service.get_service(session, principal, service_id)
    form = await request.form()
    values: dict[str, object] = {}
    rules: dict[str, object] = {}
    for key in RULE_KEYS:
        if not form.get(f"{key}_set") and key != "default":
            continue
        years = str(form.get(f"{key}_years") or "").strip()
        rule = {
            "years": years or None,
            "runs_from": str(form.get(f"{key}_from") or ""),
            "disposal": str(form.get(f"{key}_disposal") or ""),
            "keeps": [str(k) for k in form.getlist(f"{key}_keeps")],
            "assumed": bool(form.get(f"{key}_assumed")),
            "source": str(form.get(f"{key}_source") or "").strip() or None,
        }
        rules[key] = rule
        values.update(
            {f"{key}_{name}": value for name, value in rule.items() if name != "runs_from"}
        )
        values[f"{key}_from"], values[f"{key}_set"] = rule["runs_from"], True
        values[f"{key}_years"] = years

    def field_id(field: str) -> str:
        # "retention.approved.years" is the input "approved_years".
        parts = field.split(".")
        if len(parts) == 3 and parts[0] == "retention":
            return f"{parts[1]}_{'from' if parts[2] == 'runs_from' else parts[2]}"
        if len(parts) == 2 and parts[0] == "retention":
            return f"{parts[1]}_years"  # the rule as a whole: its years are what is missing
        return field

    page = FormPage(
        "staff/admin_retention.html", _retention_context(service, values), field_id=field_id
    )
    with shown_on(page):
        update = validate_form(ServiceUpdate, {"retention": rules})
        await admin_service.update_service(session, principal, service_id, update)
    return redirect(request, f"/staff/admin/services?saved={service.code}")
