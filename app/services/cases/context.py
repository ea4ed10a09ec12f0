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
from app.repositories.unit_of_work import AsyncSession
from app.services import audit
from app.services.calendar import note_revision
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
        # An organisation's own application: the organisation is the party who filed it.
        applicant_id=str(case.applicant_id or f"organisation:{case.organisation_id}"),
        employer_id=str(case.employer_id) if case.employer_id else None,
        employer_uscc=case.employer_uscc,
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
        # Inside the organisation only its admins and HR officers answer for it.
        if not principal.can(Permission.CONFIRM_EMPLOYMENT):
            return []
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


async def handling_departments(
    session: AsyncSession, case: Case, *, has_parts: bool = True
) -> set[str]:
    """The case's department and, for a bundle, the departments of its parts (``has_parts``
    False: the caller knows it has none)."""
    if not has_parts:
        return {case.department}
    return {case.department} | await cases_repo.part_departments(session, case.id)


async def employer_for(
    session: AsyncSession, answers: dict[str, Any], service: Service
) -> uuid.UUID | None:
    """The employer named in the answers (by unified social credit code), if an organisation
    with that code is registered and verified (one still being checked gets the case when
    staff verify it: ``app.services.organisations.verification``)."""
    code = named_uscc(answers)
    if code is None:
        return None
    return await accounts_repo.verified_employer_id(session, code)


def named_uscc(answers: dict[str, Any]) -> str | None:
    """The credit code the applicant named as employer (normalised when the answer was saved)."""
    code = answers.get("employer_uscc")
    return str(code) if code else None


def waits_for_registration(case: Case, service: Service) -> bool:
    """The case needs its employer's confirmation and names a credit code no verified
    organisation has yet: it waits for the organisation to register (or for the paper route)."""
    return (
        service.needs_employer_confirmation
        and case.employer_id is None
        and bool(case.employer_uscc)
        and case.employer_confirmed is not True
        and CaseStatus(case.status) not in CaseStatus.SETTLED
    )


def message_payload(case: Case, service: Service, lang: str) -> dict[str, Any]:
    """Values the message templates fill in, in the recipient's language. An organisation's
    own application links to its page in the employer workspace."""
    page = "employer/claims" if case.organisation_id is not None else "cases"
    return {
        "url": f"{get_settings().base_url.rstrip('/')}/{page}/{case.id}",
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
    found = await load_case_with_parts(session, principal, case_id)
    return found.case, found.service


async def load_case_with_parts(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID
) -> cases_repo.CaseWithService:
    """The case scoped to the caller, with its service and whether it has parts, in one read
    that also carries the calendar's revision (so the deadline needs no read of the days)."""
    found = await cases_repo.get_case_with_service(session, principal, case_id)
    if found is None:
        raise NotFound()
    note_revision(session, found.calendar_revision)
    await audit_oversight(session, principal, found.case)
    return found


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
    """The person who applied, or the organisation that filed its own application."""
    if case.applicant_id is None:
        organisation = await accounts_repo.get_employer(session, case.organisation_id)
        return organisation.name if organisation else ""
    applicant = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
    return applicant.full_name if applicant else ""
