"""Handing a case to a colleague of the same district and department (approvers and district
admins only)."""

from __future__ import annotations

import uuid

from app.domain.enums import Permission, Role
from app.domain.principal import Principal
from app.errors import (
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from app.i18n import N_
from app.models import (
    Case,
    StaffMember,
)
from app.repositories import accounts as accounts_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import (
    CaseRead,
)
from app.services import audit
from app.services.cases.context import load_case
from app.services.cases.views import case_view

# Roles that work cases; a case is handed only to a colleague holding one of them.
_HANDLING_ROLES = frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.APPROVER})


def can_reassign(principal: Principal) -> bool:
    """Handing a case to someone else is for the department's approvers and district admins."""
    return principal.can(Permission.HANDLE_CASES) and bool(
        {Role.APPROVER, Role.DISTRICT_ADMIN} & set(principal.roles)
    )


async def assignees(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID
) -> list[tuple[str, str]]:
    """(staff id, name) of the colleagues this caller may hand the case to: active staff of the
    case's district and department with a case-handling role. Empty if they may not reassign."""
    case, _service = await load_case(session, principal, case_id)
    if not can_reassign(principal):
        return []
    return [
        (str(m.id), m.full_name)
        for m in await accounts_repo.list_staff(session, principal)
        if _assignable(m, case)
    ]


def _assignable(member: StaffMember, case: Case) -> bool:
    return bool(
        member.district == case.district
        and member.department == case.department
        and _HANDLING_ROLES & set(member.roles)
        and member.user.is_active
    )


async def assign(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    staff_id: uuid.UUID | None,
    lang: str,
) -> CaseRead:
    """Claim (staff_id None or yourself) or reassign to a colleague of the case's department."""
    case, _service = await load_case(session, principal, case_id)
    if principal.staff_id is None:
        raise PermissionDenied()
    claiming = staff_id is None or staff_id == principal.staff_id
    target = principal.staff_id if staff_id is None else staff_id
    if not claiming and not can_reassign(principal):
        raise PermissionDenied()
    staff = await accounts_repo.get_staff(session, target)
    if staff is None or staff.district != principal.district:
        raise NotFound(N_("No such colleague in your district."))
    if not claiming:
        member = next(
            (m for m in await accounts_repo.list_staff(session, principal) if m.id == staff.id),
            None,
        )
        if member is None or not _assignable(member, case):
            raise ValidationFailed(
                field_errors=[
                    FieldError(
                        "staff_id",
                        "invalid",
                        N_("Choose a colleague of the case's department who handles cases."),
                    )
                ]
            )
    previous = case.assignee_staff_id
    case.assignee_staff_id = staff.id
    await audit.record(
        session,
        "case.claimed" if claiming else "case.assigned",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"assignee": str(staff.id), "previous": str(previous) if previous else None},
    )
    await session.flush()
    return await case_view(session, principal, case.id, lang)
