"""What every part of the engine reads of a case: the case with its service (scoped to the
caller), its snapshot for the pure workflow, who the caller may act as, message values."""

from __future__ import annotations

import uuid
from typing import Any

from app.config import get_settings
from app.domain.enums import Role
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
}


def capabilities(service: Service) -> ServiceCapabilities:
    return ServiceCapabilities(
        allows_missing_materials=service.allows_missing_materials,
        allows_commitment=service.allows_commitment,
        needs_employer_confirmation=service.needs_employer_confirmation,
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
    )


def actors_for(principal: Principal, case: Case) -> list[Actor]:
    """Every workflow identity the caller can act as on this case."""
    if principal.applicant_id is not None:
        return [Actor(str(principal.applicant_id), ActorRole.APPLICANT)]
    if principal.employer_id is not None:
        return [Actor(str(principal.employer_id), ActorRole.EMPLOYER)]
    if principal.staff_id is not None:
        return [
            Actor(str(principal.staff_id), _STAFF_ACTOR_ROLES[r])
            for r in principal.roles
            if r in _STAFF_ACTOR_ROLES
        ]
    return []


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
    }


async def load_case(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID
) -> tuple[Case, Service]:
    case = await cases_repo.get_case(session, principal, case_id)
    if case is None:
        raise NotFound()
    service = await catalog_repo.get(session, case.service_id)
    assert service is not None
    return case, service


async def staff_name(session: AsyncSession, staff_id: uuid.UUID | None) -> str | None:
    if staff_id is None:
        return None
    staff = await accounts_repo.get_staff(session, staff_id)
    return staff.full_name if staff else None


async def applicant_name(session: AsyncSession, case: Case) -> str:
    applicant = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
    return applicant.full_name if applicant else ""
