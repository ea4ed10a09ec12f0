"""What every further decision on an onboarding bundle shares (issue 18, points 2 and 3): the
bundle scoped to the caller, who in the talent office may decide, the line on the case
timeline, and the notice to the person and the employer's users, each in their language."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from app.config import get_settings
from app.domain.enums import Department, Permission
from app.domain.principal import Principal
from app.errors import NotFound
from app.models import Case, CaseEvent, OnboardingRecord, Service
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import onboarding as onboarding_repo
from app.repositories.unit_of_work import AsyncSession
from app.services import notifications
from app.services.cases.context import load_case, message_payload
from app.workflow.onboarding import ONBOARDING_SERVICE
from app.workflow.states import ActorRole


async def bundle(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, *, lock: bool = True
) -> tuple[Case, Service, OnboardingRecord]:
    """The bundle scoped to the caller (another district's or organisation's is unknown);
    ``lock`` holds its record, which serialises the decisions taken on one bundle."""
    case, service = await load_case(session, principal, case_id)
    if service.code != ONBOARDING_SERVICE or case.parent_id is not None:
        raise NotFound()
    record = await onboarding_repo.record_of(session, case.id, for_update=lock)
    if record is None:
        raise NotFound()
    return case, service, record


def in_talent_office(principal: Principal, permission: Permission) -> bool:
    """A talent-office officer with the permission (the bundle's department decides)."""
    return (
        principal.staff_id is not None
        and principal.department == Department.TALENT_OFFICE.value
        and principal.can(permission)
    )


def on_timeline(
    session: AsyncSession,
    case: Case,
    principal: Principal,
    *,
    action: str,
    role: ActorRole,
    reason: str,
    now: datetime,
    detail: Mapping[str, object],
) -> None:
    """A line on the case's timeline that moves no status (the bundle goes on as it was)."""
    session.add(
        CaseEvent(
            case_id=case.id,
            occurred_at=now,
            action=action,
            from_status=case.status,
            to_status=case.status,
            actor_user_id=principal.user_id,
            actor_role=role.value,
            reason=reason[:2000],
            detail=dict(detail),
        )
    )


async def tell(
    session: AsyncSession,
    case: Case,
    service: Service,
    *,
    template: str,
    values: Mapping[str, object],
    key: str,
    employer_template: str | None = None,
) -> None:
    """The person hears of the decision in their language; with ``employer_template`` the
    users of the employer named on the bundle do too, each in theirs."""
    url = f"{get_settings().base_url.rstrip('/')}/onboarding/{case.id}"
    assert case.applicant_id is not None
    person = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
    contact = await onboarding_repo.person_of(session, case.applicant_id)
    # Every notice names the person (the employer's users read whose decision it is).
    values = {"applicant_name": person.full_name if person else "", **values}
    if person is not None and contact is not None:
        await notifications.enqueue(
            session,
            recipient_user_id=person.user_id,
            template=template,
            payload={**message_payload(case, service, contact[1]), **values, "url": url},
            language=contact[1],
            dedup_key=f"onboarding:{case.id.hex}:{key}",
            case_id=case.id,
            read_back=False,
        )
    if employer_template is None or case.employer_id is None:
        return
    for user_id, lang in await cases_repo.employer_recipients(session, case.employer_id):
        await notifications.enqueue(
            session,
            recipient_user_id=user_id,
            template=employer_template,
            payload={**message_payload(case, service, lang), **values, "url": url},
            language=lang,
            dedup_key=f"onboarding:{case.id.hex}:{key}:{user_id.hex[:12]}",
            case_id=case.id,
            read_back=False,
        )
