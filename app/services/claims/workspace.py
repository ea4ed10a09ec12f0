"""The employer workspace: confirmations to give, the employees' cases the organisation is
party to, its own applications, the money decided for it, and its messages."""

from __future__ import annotations

from app.domain.principal import Principal
from app.errors import PermissionDenied
from app.i18n import gettext, localized
from app.models import Case, Service
from app.repositories import claims as claims_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.claims import (
    EmployeeCase,
    OrganisationService,
    OwnCase,
    PaymentRow,
    Workspace,
)
from app.services import notifications
from app.services.claims.lines import COLUMNS
from app.workflow.states import CaseStatus, status_label

_MESSAGES_SHOWN = 10


def _label(case: Case, lang: str) -> str:
    return gettext(lang, status_label(CaseStatus(case.status)))


async def services(
    session: AsyncSession, principal: Principal, lang: str
) -> list[OrganisationService]:
    """The organisation services of the caller's district."""
    organisation = await claims_repo.organisation_of(session, principal)
    if organisation is None:
        raise PermissionDenied()
    return [
        OrganisationService(
            code=s.code,
            name=localized(s, "name", lang),
            description=localized(s, "description", lang),
            batch=s.code in COLUMNS,
            columns=list(COLUMNS.get(s.code, ())),
        )
        for s in await claims_repo.organisation_services(session, organisation.district)
    ]


async def own_cases(session: AsyncSession, principal: Principal, lang: str) -> list[OwnCase]:
    rows = await claims_repo.own_cases(session, principal)
    counts = await claims_repo.line_counts(session, [c.id for c, _ in rows])
    return [_own(case, service, counts.get(case.id, 0), lang) for case, service in rows]


def _own(case: Case, service: Service, lines: int, lang: str) -> OwnCase:
    return OwnCase(
        id=case.id,
        number=case.number,
        service_name=localized(service, "name", lang),
        status=case.status,
        status_label=_label(case, lang),
        submitted_at=case.submitted_at,
        decided_amount_cny=case.decided_amount_cny,
        lines=lines,
    )


async def workspace(session: AsyncSession, principal: Principal, lang: str) -> Workspace:
    organisation = await claims_repo.organisation_of(session, principal)
    if organisation is None:
        raise PermissionDenied()
    employees = [
        EmployeeCase(
            id=case.id,
            number=case.number,
            person_name=name,
            service_name=localized(service, "name", lang),
            status=case.status,
            status_label=_label(case, lang),
            awaiting_confirmation=CaseStatus(case.status) is CaseStatus.AWAITING_EMPLOYER,
            version=case.version,
        )
        for case, service, name in await claims_repo.employee_cases(session, principal)
    ]
    own_rows = await claims_repo.own_cases(session, principal)
    counts = await claims_repo.line_counts(session, [c.id for c, _ in own_rows])
    payments = [
        PaymentRow(
            case_id=case.id,
            number=case.number,
            service_name=localized(service, "name", lang),
            amount_cny=case.decided_amount_cny,
            status=case.status,
            status_label=_label(case, lang),
        )
        for case, service in own_rows
        if case.decided_amount_cny and CaseStatus(case.status) in CaseStatus.APPROVAL_STANDS
    ]
    messages = await notifications.list_messages(
        session, principal, cursor=None, limit=_MESSAGES_SHOWN
    )
    return Workspace(
        organisation_name=organisation.name,
        district=organisation.district,
        services=await services(session, principal, lang),
        confirmations=[e for e in employees if e.awaiting_confirmation],
        employee_cases=employees,
        own_cases=[_own(c, s, counts.get(c.id, 0), lang) for c, s in own_rows],
        payments=payments,
        messages=messages.items,
    )
