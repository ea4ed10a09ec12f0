"""What every part of the engine reads of a case: the case with its service (scoped to the
caller), its snapshot for the pure workflow, who the caller may act as, message values."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from app.config import get_settings
from app.domain.enums import Permission, Role
from app.domain.principal import Principal
from app.errors import (
    NotFound,
)
from app.i18n import localized
from app.models import (
    Case,
    Service,
)
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories.unit_of_work import AsyncSession
from app.services import audit
from app.services.cases.outcome import DISTRICT_GOVERNMENT
from app.workflow.states import ActorRole, CaseStatus
from app.workflow.values import (
    Actor,
    CaseSnapshot,
    ServiceCapabilities,
)

# Staff roles as the workflow knows them; admins act as supervisors (escalations, revocations).
_STAFF_ACTOR_ROLES: dict[str, ActorRole] = {
    Role.WINDOW_CLERK: ActorRole.WINDOW_CLERK,
    Role.REVIEWER: ActorRole.REVIEWER,
    Role.APPROVER: ActorRole.APPROVER,
    Role.DISTRICT_ADMIN: ActorRole.SUPERVISOR,
    Role.SUPERVISOR: ActorRole.SUPERVISOR,
}
# Roles that decide for a department: they count only on a case of the caller's department
# (or of a part of the bundle), unless the caller oversees every department.
_DEPARTMENT_ROLES = frozenset({ActorRole.REVIEWER, ActorRole.APPROVER})


def capabilities(service: Service) -> ServiceCapabilities:
    return ServiceCapabilities(
        allows_missing_materials=service.allows_missing_materials,
        allows_commitment=service.allows_commitment,
        needs_employer_confirmation=service.needs_employer_confirmation,
        reviewer_may_decide=service.reviewer_may_decide,
    )


def snapshot(case: Case) -> CaseSnapshot:
    return CaseSnapshot(
        id=str(case.id),
        status=CaseStatus(case.status),
        version=case.version,
        applicant_id=str(case.applicant_id),
        employer_id=str(case.employer_id) if case.employer_id else None,
        employer_confirmed=case.employer_confirmed,
        pending_materials=tuple(case.pending_materials),
        pending_due_on=case.pending_due_date,
        approved_on_commitment=case.approved_on_commitment,
        reviewed_by=str(case.reviewer_staff_id) if case.reviewer_staff_id else None,
    )


def actors_for(principal: Principal, case: Case, departments: Collection[str] = ()) -> list[Actor]:
    """Every workflow identity the caller can act as on this case. ``departments``: those
    that handle it (its own and, for a bundle, its parts'; see ``handling_departments``)."""
    if principal.applicant_id is not None:
        return [Actor(str(principal.applicant_id), ActorRole.APPLICANT)]
    if principal.employer_id is not None:
        return [Actor(str(principal.employer_id), ActorRole.EMPLOYER)]
    if principal.staff_id is not None:
        own_department = principal.department in {case.department, *departments}
        oversees = principal.can(Permission.OVERSEE_DEPARTMENTS)
        roles = [_STAFF_ACTOR_ROLES[r] for r in principal.roles if r in _STAFF_ACTOR_ROLES]
        return [
            Actor(str(principal.staff_id), role)
            for role in roles
            if role not in _DEPARTMENT_ROLES or own_department or oversees
        ]
    return []


async def handling_departments(session: AsyncSession, case: Case) -> set[str]:
    """The case's department and, for a bundle, the departments of its parts."""
    return {case.department} | await cases_repo.part_departments(session, case.id)


async def employer_for(
    session: AsyncSession, answers: dict[str, Any], service: Service
) -> uuid.UUID | None:
    """The employer named in the answers (by unified social credit code), if it is registered."""
    code = answers.get("employer_uscc")
    if not code:
        return None
    employer = await accounts_repo.get_employer_by_uscc(session, str(code))
    return employer.id if employer else None


def message_payload(case: Case, service: Service, lang: str) -> dict[str, Any]:
    """Values the message templates fill in, in the recipient's language."""
    return {
        "url": f"{get_settings().base_url.rstrip('/')}/cases/{case.id}",
        "case_number": case.number,
        "service_name": localized(service, "name", lang),
        "deadline": case.deadline_date,
        "case_id": str(case.id),
        # Who hears administrative reconsideration of the decision (refusal messages).
        "government": DISTRICT_GOVERNMENT.get(case.district, DISTRICT_GOVERNMENT["yangpu"]),
    }


async def load_case(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID
) -> tuple[Case, Service]:
    case = await cases_repo.get_case(session, principal, case_id)
    if case is None:
        raise NotFound()
    service = await catalog_repo.get(session, case.service_id)
    assert service is not None
    await audit_oversight(session, principal, case)
    return case, service


async def audit_oversight(session: AsyncSession, principal: Principal, case: Case) -> None:
    """A supervisor's use of cross-department reach is written to the audit log: reading or
    acting on a case no part of which belongs to their department."""
    if principal.staff_id is None or not principal.can(Permission.OVERSEE_DEPARTMENTS):
        return
    if principal.department in await handling_departments(session, case):
        return
    await audit.record(
        session,
        "case.oversight_access",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"case_department": case.department, "own_department": principal.department},
    )


async def staff_name(session: AsyncSession, staff_id: uuid.UUID | None) -> str | None:
    if staff_id is None:
        return None
    staff = await accounts_repo.get_staff(session, staff_id)
    return staff.full_name if staff else None


async def applicant_name(session: AsyncSession, case: Case) -> str:
    applicant = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
    return applicant.full_name if applicant else ""
