"""How talent apartments plug into the case engine: an approved application joins the district's
waiting list with its household, a revoked approval leaves it, and staff see on the case page
whether the household already holds or waits for an apartment."""

from __future__ import annotations

from datetime import datetime

from app.domain.principal import Principal
from app.models import Case, Service
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import CaseRead
from app.services.housing.waitlist import household_flags, join_waitlist, leave_waitlist
from app.services.service_types import ServiceType
from app.workflow.states import CaseAction, CaseStatus

APARTMENT_SERVICE = "talent_apartment"


class TalentApartment(ServiceType):
    name = APARTMENT_SERVICE

    def handles(self, service: Service) -> bool:
        return service.code == APARTMENT_SERVICE

    async def after_transition(
        self, session: AsyncSession, case: Case, service: Service, action: CaseAction, now: datetime
    ) -> None:
        status = CaseStatus(case.status)
        if status is CaseStatus.APPROVED:
            await join_waitlist(session, case)
        elif status is CaseStatus.REVOKED:
            await leave_waitlist(session, case)

    async def extend_view(
        self,
        session: AsyncSession,
        view: CaseRead,
        case: Case,
        principal: Principal,
        lang: str,
    ) -> None:
        if principal.staff_id is not None:
            view.household_conflicts = await household_flags(session, case)
