"""Display names (msgids) for domain codes, translated where they are shown."""

from __future__ import annotations

from types import SimpleNamespace

from app.domain.enums import Department, District, Role
from app.i18n import N_

DISTRICT: dict[str, str] = {
    District.YANGPU: N_("Yangpu"),
    District.CHANGNING: N_("Changning"),
}

DEPARTMENT: dict[str, str] = {
    Department.TALENT_OFFICE: N_("Talent office"),
    Department.HR_BUREAU: N_("Human resources and social security bureau"),
    Department.HOUSING: N_("Housing administration"),
    Department.PUBLIC_SECURITY: N_("Public security (household registration)"),
    Department.FINANCE: N_("Finance bureau"),
    Department.SERVICE_CENTER: N_("Administrative service centre"),
    Department.EDUCATION: N_("Education bureau"),
}

ROLE: dict[str, str] = {
    Role.WINDOW_CLERK: N_("Window clerk"),
    Role.REVIEWER: N_("Reviewer"),
    Role.APPROVER: N_("Approver"),
    Role.FINANCE_MAKER: N_("Finance maker"),
    Role.FINANCE_CHECKER: N_("Finance checker"),
    Role.DISTRICT_ADMIN: N_("District administrator"),
    Role.AUDITOR: N_("Auditor"),
    Role.SYSADMIN: N_("System administrator"),
    Role.SUPERVISOR: N_("Cross-department supervisor"),
    Role.CITY_ADMIN: N_("City calendar administrator"),
}

# How an application came in (``channel`` of an application and its case).
CHANNEL: dict[str, str] = {
    "web": N_("Online (web)"),
    "api": N_("Mobile app"),
    "window": N_("At a service window"),
}

ALL = SimpleNamespace(district=DISTRICT, department=DEPARTMENT, role=ROLE, channel=CHANNEL)
