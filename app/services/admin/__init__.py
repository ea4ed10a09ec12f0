"""District administration: the service catalog, the working-day calendar and the audit log."""

from app.services.admin.audit_log import (
    AuditFilter,
    AuditPage,
    AuditRead,
    audit_actions,
    read_audit,
    verify_audit_chain,
)
from app.services.admin.calendar import (
    MAX_YEAR,
    MIN_YEAR,
    CalendarDayRead,
    CalendarDaySaved,
    CalendarDayUpdate,
    calendar_year,
    set_calendar_day,
)
from app.services.admin.services import (
    AdminServiceRead,
    MaterialEdit,
    ServiceUpdate,
    condition_problem,
    get_service,
    list_services,
    require_permission,
    update_service,
)

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "AdminServiceRead",
    "AuditFilter",
    "AuditPage",
    "AuditRead",
    "CalendarDayRead",
    "CalendarDaySaved",
    "CalendarDayUpdate",
    "MaterialEdit",
    "ServiceUpdate",
    "audit_actions",
    "calendar_year",
    "condition_problem",
    "get_service",
    "list_services",
    "read_audit",
    "require_permission",
    "set_calendar_day",
    "update_service",
    "verify_audit_chain",
]
