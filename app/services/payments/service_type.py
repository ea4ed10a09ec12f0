"""Every money decision paid through finance: a service whose catalog entry says
``payment: one_off`` (exam-fee reimbursement, skills subsidy, organisations' grants) becomes one
payable grant when its case is approved, whatever the service's own type does beside it."""

from __future__ import annotations

from datetime import datetime

from app.domain.principal import Principal
from app.models import Case, Service
from app.repositories import catalog as catalog_repo
from app.repositories import grants as grants_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import CaseRead
from app.schemas.grants import OneOffView
from app.services.payments import grants
from app.services.service_types import ServiceType
from app.workflow.grants import PaymentKind, payment_ceiling
from app.workflow.states import CaseAction, CaseStatus


class OneOffPayment(ServiceType):
    name = "one_off_payment"
    alongside = True

    def handles(self, service: Service) -> bool:
        return service.payment == PaymentKind.ONE_OFF

    async def after_transition(
        self, session: AsyncSession, case: Case, service: Service, action: CaseAction, now: datetime
    ) -> None:
        status = CaseStatus(case.status)
        if status is CaseStatus.APPROVED and action in (
            CaseAction.APPROVE,
            CaseAction.APPROVE_ON_COMMITMENT,
        ):
            await grants.entitle(session, case, service)
        elif status is CaseStatus.REVOKED:
            await grants.cancel_unpaid(session, case)

    async def extend_view(
        self,
        session: AsyncSession,
        view: CaseRead,
        case: Case,
        principal: Principal,
        lang: str,
    ) -> None:
        grant = await grants_repo.grant_for_case(session, case.id)
        service = await catalog_repo.get(session, case.service_id)
        view.one_off = OneOffView(
            rules_amount_cny=payment_ceiling(
                case.eligibility_result,
                case.decided_amount_cny,
                organisation_filed=case.organisation_id is not None,
            ),
            decided_amount_cny=case.decided_amount_cny,
            grant=grants.grant_view(grant, case.number, service, lang)
            if grant is not None and service is not None
            else None,
        )
