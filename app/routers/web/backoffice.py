"""Staff case pages: the queue by deadline, a case with its actions by role, documents, notes,
claims and reassignment, and a bundle's outside records and route."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.core.csrf import csrf_protect
from app.core.downloads import file_response
from app.core.facts_form import fact_values
from app.core.forms import (
    FormPage,
    PageContext,
    shown_on,
    validate_form,
)
from app.core.templates import language, redirect, render
from app.db import ReadSessionDep, SessionDep
from app.domain.enums import Department, Permission
from app.domain.principal import Principal
from app.errors import FieldError, ValidationFailed
from app.i18n import N_
from app.routers.access import (
    CaseStaff,
    CurrentStaff,
    DocumentVerifier,
    WindowClerk,
    require_permission,
)
from app.schemas.cases import CaseActionRequest, CaseRead, NoteCreate, QueuePage
from app.schemas.documents import DocumentVerify
from app.schemas.forms import QueueFilters
from app.services import cases as cases_service
from app.services import documents as documents_service
from app.services import settlement as bundles_service
from app.services.applications import window as window_service
from app.services.cases import follow_ups as tasks_service
from app.services.settlement import records as settlement_records
from app.services.settlement import verification as verification_service
from app.workflow.states import ACTION_LABELS, STATUS_LABELS

router = APIRouter(prefix="/staff", tags=["staff pages"])


Csrf = Depends(csrf_protect)


Approver = Annotated[Principal, Depends(require_permission(Permission.APPROVE_CASES))]


Supervisor = Annotated[Principal, Depends(require_permission(Permission.FOLLOW_UP_RATINGS))]


CaseHandler = Annotated[Principal, Depends(require_permission(Permission.HANDLE_CASES))]


@router.get("/cases", response_class=HTMLResponse)
async def queue(request: Request, principal: CaseStaff, session: ReadSessionDep) -> HTMLResponse:
    """The district queue; ``mine`` narrows it to my cases (我的办件), ``light`` to escalations.

    The filters are the API's (QueueFilters); the page's service select is named ``service``.
    """
    lang = language(request)
    query = request.query_params
    filters = {
        "q": query.get("q", "").strip()[:100],
        "status": query.get("status", ""),
        "light": query.get("light", ""),
        "mine": "1" if query.get("mine") else "",
        "department": query.get("department", ""),
        "service": query.get("service", ""),
    }
    context: PageContext = {
        "filters": filters,
        "statuses": STATUS_LABELS,
        "departments": list(Department),
        "services": await cases_service.queue_services(session, principal, lang),
    }
    unfiltered = FormPage(
        "staff/queue.html",
        {**context, "page": QueuePage(items=[], next_cursor=None)},
        field_id=lambda field: "service" if field == "service_id" else field,
    )
    with shown_on(unfiltered):
        chosen = validate_form(
            QueueFilters,
            {
                "status": query.getlist("status"),
                "light": filters["light"],
                "mine": query.get("mine", ""),
                "department": filters["department"],
                "service_id": filters["service"],
                "q": query.get("q", ""),
                "cursor": query.get("cursor"),
            },
        )
    page = await cases_service.queue(session, principal, lang, chosen)
    next_query = (
        urlencode({**{k: v for k, v in filters.items() if v}, "cursor": page.next_cursor})
        if page.next_cursor
        else None
    )
    return render(request, "staff/queue.html", {**context, "page": page, "next_query": next_query})


def _case_context(view: CaseRead, lang: str) -> dict[str, object]:
    """What the staff case page shows besides the case: action names, and on a bundle the
    manual-entry fields per outside system and the route options."""
    return {
        "case": view,
        "action_labels": ACTION_LABELS,
        "manual_fields": settlement_records.manual_fields(lang) if view.verifications else {},
        "route_options": bundles_service.route_options(lang) if view.route else [],
    }


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(
    case_id: uuid.UUID, request: Request, principal: CaseStaff, session: SessionDep
) -> HTMLResponse:
    view = await cases_service.case_view(
        session, principal, case_id, language(request), audit_read=True
    )
    return render(
        request,
        "staff/case.html",
        {
            **_case_context(view, language(request)),
            **await _document_marks(session, principal, view),
            **await _assignment(session, principal, view),
            "notice": request.query_params.get("done"),
        },
    )


async def _document_marks(
    session: SessionDep, principal: CurrentStaff, view: CaseRead
) -> dict[str, object]:
    """The staff check and validity of each case document, and whether the viewer may mark."""
    return {
        "doc_marks": await documents_service.marks_for_case(session, principal, view.id),
        "can_verify_documents": documents_service.can_verify(principal, view.status),
    }


def case_form(
    session: SessionDep,
    principal: CurrentStaff,
    case_id: uuid.UUID,
    lang: str,
    *,
    with_marks: bool = False,
    with_assignment: bool = False,
    **extra: object,
) -> FormPage:
    """The case page, read again for the error summary once the failed action's work is undone."""

    async def case_page() -> PageContext:
        view = await cases_service.case_view(session, principal, case_id, lang)
        return {
            **_case_context(view, lang),
            **(await _document_marks(session, principal, view) if with_marks else {}),
            **(await _assignment(session, principal, view) if with_assignment else {}),
            **extra,
        }

    action = extra.get("failed_action")
    # Each action's panel names its inputs after the action (items-request_supplement), so an
    # error of the panel links to its own field.
    return FormPage(
        "staff/case.html",
        case_page,
        field_id=(lambda name: _panel_field(name, str(action))) if action else None,
    )


_PANEL_IDS = {"items": "items", "due_on": "due", "reason": "reason", "clause": "clause"}
_PAGE_IDS = {"tracking_number": "tracking"}


def _panel_field(name: str, action: str) -> str:
    if name in _PANEL_IDS:
        return f"{_PANEL_IDS[name]}-{action}"
    return _PAGE_IDS.get(name, name)


@router.post("/cases/{case_id}/documents/{document_id}/verify", dependencies=[Csrf])
async def verify_document(
    case_id: uuid.UUID,
    document_id: uuid.UUID,
    request: Request,
    principal: DocumentVerifier,
    session: SessionDep,
    valid_from: Annotated[str, Form(max_length=10)] = "",
    valid_to: Annotated[str, Form(max_length=10)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Marks a case document as checked against the original (confirmed by a checkbox)."""
    lang = language(request)
    unconfirmed: list[FieldError] = []
    if not confirm:
        unconfirmed.append(
            FieldError(
                "confirm",
                "required",
                N_("Confirm that you have checked the document against the original."),
            )
        )
    page = case_form(
        session, principal, case_id, lang, with_marks=True, failed_document=str(document_id)
    )
    with shown_on(page):
        marks = validate_form(
            DocumentVerify,
            {"valid_from": valid_from or None, "valid_to": valid_to or None},
            also=unconfirmed,
        )
        await documents_service.verify_for_case(session, principal, case_id, document_id, marks)
    return redirect(request, f"/staff/cases/{case_id}?done=document_verified")


@router.post("/cases/{case_id}/actions", dependencies=[Csrf])
async def act(
    case_id: uuid.UUID,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
) -> Response:
    lang = language(request)
    form = await request.form()
    items_text = form.get("items")
    data = {
        "action": form.get("action"),
        "expected_version": form.get("expected_version"),
        "reason": (form.get("reason") or None),
        "clause": (form.get("clause") or None),
        "items": [line.strip() for line in str(items_text or "").splitlines() if line.strip()],
        "due_on": (form.get("due_on") or None),
        "delivery": (form.get("delivery") or None),
        "tracking_number": (form.get("tracking_number") or None),
        "amount_cny": (form.get("amount_cny") or None),
        "level": (form.get("level") or None),
    }
    with shown_on(case_form(session, principal, case_id, lang, failed_action=data["action"])):
        action = validate_form(CaseActionRequest, data)
        await cases_service.act(session, principal, case_id, action, lang)
    return redirect(request, f"/staff/cases/{case_id}?done={data['action']}")


@router.post("/cases/{case_id}/notes", dependencies=[Csrf])
async def add_note(
    case_id: uuid.UUID,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
    body: Annotated[str, Form(max_length=4000)] = "",
    to_applicant: Annotated[str, Form()] = "",
) -> Response:
    lang = language(request)
    with shown_on(case_form(session, principal, case_id, lang)):
        parsed = validate_form(NoteCreate, {"body": body, "to_applicant": bool(to_applicant)})
        await cases_service.add_note(session, principal, case_id, parsed, lang)
    return redirect(request, f"/staff/cases/{case_id}?done=note")


@router.post("/cases/{case_id}/claim", dependencies=[Csrf])
async def claim(
    case_id: uuid.UUID, request: Request, principal: CaseStaff, session: SessionDep
) -> Response:
    await cases_service.assign(session, principal, case_id, None, language(request))
    return redirect(request, f"/staff/cases/{case_id}?done=claimed")


@router.post("/cases/{case_id}/assignee", dependencies=[Csrf])
async def reassign(
    case_id: uuid.UUID,
    request: Request,
    principal: CaseHandler,
    session: SessionDep,
    staff_id: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Hands the case to a colleague of its department (approvers and district admins)."""
    lang = language(request)
    page = case_form(
        session,
        principal,
        case_id,
        lang,
        with_marks=True,
        with_assignment=True,
        failed_action="reassign",
    )
    with shown_on(page):
        try:
            target = uuid.UUID(staff_id)
        except ValueError:
            raise ValidationFailed(
                field_errors=[
                    FieldError("staff_id", "required", N_("Choose the colleague to hand it to."))
                ]
            ) from None
        await cases_service.assign(session, principal, case_id, target, lang)
    return redirect(request, f"/staff/cases/{case_id}?done=reassigned")


async def _assignment(
    session: SessionDep, principal: Principal, view: CaseRead
) -> dict[str, object]:
    """Who the viewer may hand the case to (empty unless they may reassign), and the case's
    告知承诺 checks."""
    return {
        "assignees": await cases_service.assignees(session, principal, view.id),
        "commitment_checks": await tasks_service.case_checks(session, principal, view.id),
    }


@router.get("/cases/{case_id}/documents/{document_id}")
async def case_document(
    case_id: uuid.UUID,
    document_id: uuid.UUID,
    principal: CaseStaff,
    session: SessionDep,
    inline: bool = False,
) -> Response:
    """Inline preview for images and PDFs, otherwise a download; every view is audited."""
    doc = await cases_service.case_document_for_staff(session, principal, case_id, document_id)
    return file_response(
        documents_service.storage().source(doc.storage_key),
        doc.original_name,
        doc.content_type,
        inline=inline,
    )


@router.get("/cases/{case_id}/receipt", response_class=HTMLResponse)
async def receipt(
    case_id: uuid.UUID, request: Request, principal: WindowClerk, session: SessionDep
) -> HTMLResponse:
    data = await window_service.receipt(session, principal, case_id, language(request))
    return render(request, "staff/receipt.html", {"r": data})


@router.post("/cases/{case_id}/verifications/{system}", dependencies=[Csrf])
async def enter_verified_facts(
    case_id: uuid.UUID,
    system: str,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
) -> Response:
    """During a lasting outage: the data a system would have given, typed in with a note."""
    lang = language(request)
    form = await request.form()
    names = list(settlement_records.fact_names(system))
    facts = {k: v for k, v in fact_values(form, names).items() if v is not None}
    note = str(form.get("note") or "")
    with shown_on(case_form(session, principal, case_id, lang)):
        await verification_service.enter_manually(session, principal, case_id, system, facts, note)
    return redirect(request, f"/staff/cases/{case_id}?done=verified")


@router.post("/cases/{case_id}/route", dependencies=[Csrf])
async def change_route(
    case_id: uuid.UUID,
    request: Request,
    principal: WindowClerk,
    session: SessionDep,
    route: Annotated[str, Form(max_length=60)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    lang = language(request)
    with shown_on(case_form(session, principal, case_id, lang, failed_action="route")):
        await bundles_service.change_route(session, principal, case_id, route, reason, lang)
    return redirect(request, f"/staff/cases/{case_id}?done=route")
