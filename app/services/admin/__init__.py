"""District administration: the service catalog, the working-day calendar and the audit log."""

from app.services.admin.audit_log import (
    AuditFilter,
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
    ServiceUpdate,
    get_service,
    list_services,
    update_service,
)

__all__ = [
    "AuditRead",
    "CalendarDayRead",
    "CalendarDaySaved",
    "MAX_YEAR",
    "MIN_YEAR",
    "AdminServiceRead",
    "AuditFilter",
    "CalendarDayUpdate",
    "ServiceUpdate",
    "audit_actions",
    "calendar_year",
    "get_service",
    "list_services",
    "read_audit",
    "set_calendar_day",
    "update_service",
    "verify_audit_chain",
]
