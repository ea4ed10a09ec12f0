"""Back-office administration pages: the audit log for auditors; the holiday calendar and the
service catalog for district admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from app.core.access import require_permission
from app.core.forms import error_list, errors_of, parse_form
from app.core.templates import language, render
from app.db import SessionDep
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import AppError
from app.services import admin as admin_service
from app.services.admin import AuditFilter
from app.workflow.values import SHANGHAI

router = APIRouter(prefix="/staff", tags=["staff pages"])
Auditor = Annotated[Principal, Depends(require_permission(Permission.READ_AUDIT))]

_AUDIT_FILTERS = ("action", "date_from", "date_to", "case_number", "before_seq")


@router.get("/audit", response_class=HTMLResponse)
async def audit_log(request: Request, principal: Auditor, session: SessionDep) -> HTMLResponse:
    """Read-only: filters narrow the district's log, pages go back in time by sequence number,
    and the hash chain is checked on every view."""
    values = {k: request.query_params.get(k) or None for k in _AUDIT_FILTERS}
    context: dict[str, object] = {
        "values": {k: v for k, v in values.items() if v},
        "actions": await admin_service.audit_actions(session, principal),
        "chain": await admin_service.verify_audit_chain(session, principal),
        "page": None,
        "tz": SHANGHAI,
    }
    filters, problems = parse_form(AuditFilter, {k: v for k, v in values.items() if v})
    if filters is None:
        context["errors"] = error_list(language(request), problems)
        return render(request, "staff/audit.html", context, status_code=422)
    try:
        context["page"] = await admin_service.read_audit(session, principal, filters)
    except AppError as exc:
        context["errors"] = errors_of(exc, language(request))
        return render(request, "staff/audit.html", context, status_code=exc.status_code)
    context["query"] = filters.query()
    return render(request, "staff/audit.html", context)
