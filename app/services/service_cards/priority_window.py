"""Changning's 高层次人才服务专窗: a case filed by certified high-level talent is flagged
priority when it is opened, whichever service it is for and whoever files it (online or at the
window). The district's queues list such cases first, with a badge in words; who counts as
certified is ``app.services.certified_talent``'s one answer."""

from __future__ import annotations

from app.domain.enums import PRIORITY_WINDOW_DISTRICTS
from app.models import Case, Service
from app.repositories.unit_of_work import AsyncSession
from app.services import certified_talent as talent_register
from app.services.service_types import ServiceType
from app.workflow.values import local_date


class PriorityWindow(ServiceType):
    name = "priority_window"
    alongside = True

    def handles(self, service: Service) -> bool:
        return service.district in PRIORITY_WINDOW_DISTRICTS

    async def on_submitted(self, session: AsyncSession, case: Case) -> None:
        if case.applicant_id is None:
            return
        if await talent_register.is_certified(
            session, case.applicant_id, local_date(case.submitted_at)
        ):
            case.priority = True
            await session.flush()
