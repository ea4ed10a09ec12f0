"""Who is calling: the resolved identity every access check and scoped query works from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from app.domain.enums import Department, Permission, Role, UserKind
from app.errors import PermissionDenied


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    session_id: uuid.UUID
    kind: UserKind
    email: str
    language: str
    display_name: str
    applicant_id: uuid.UUID | None = None
    staff_id: uuid.UUID | None = None
    employer_id: uuid.UUID | None = None
    district: str | None = None  # staff and employers
    department: str | None = None
    # An applicant's mobile number, so notices to the caller need not look it up again.
    mobile: str | None = field(default=None, repr=False)
    roles: tuple[str, ...] = ()
    permissions: frozenset[Permission] = field(default_factory=frozenset)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def own_applicant_id(self) -> uuid.UUID:
        """The caller's own applicant record, for what only a person may do for themselves."""
        if self.applicant_id is None:
            raise PermissionDenied()
        return self.applicant_id

    @property
    def handles_housing(self) -> bool:
        """Talent apartments are handled by the housing department's reviewers and approvers
        and by district admins: the gate goes by department as well as role."""
        if self.staff_id is None or self.district is None:
            return False
        housing_officer = self.department == Department.HOUSING.value and bool(
            {Role.REVIEWER.value, Role.APPROVER.value} & set(self.roles)
        )
        return housing_officer or Role.DISTRICT_ADMIN.value in self.roles

    @property
    def keeps_talent_register(self) -> bool:
        """The district talent register is kept by the talent office's reviewers and approvers
        (who decide the classifications) and by district admins."""
        if self.staff_id is None or self.district is None:
            return False
        officer = self.department == Department.TALENT_OFFICE.value and bool(
            {Role.REVIEWER.value, Role.APPROVER.value} & set(self.roles)
        )
        return officer or Role.DISTRICT_ADMIN.value in self.roles

    @property
    def views_housing_dashboard(self) -> bool:
        """The housing dashboard is read by housing, finance and the talent office, and by
        whoever manages the district's staff."""
        if self.staff_id is None or self.district is None:
            return False
        return self.department in _DASHBOARD_DEPARTMENTS or self.can(Permission.MANAGE_STAFF)


_DASHBOARD_DEPARTMENTS = frozenset(
    {Department.HOUSING.value, Department.FINANCE.value, Department.TALENT_OFFICE.value}
)
