"""Every service's decisions get a written decision (不见面): beside whatever the service's own
type does, a decision writes its document's row in the same transaction, and the case page
lists the documents and the video checks."""

from __future__ import annotations

from datetime import datetime

from app.domain.principal import Principal
from app.models import Case, Service
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import CaseRead
from app.services.issued_documents import on_case
from app.services.issued_documents.issuing import issue_decision
from app.services.service_types import ServiceType
from app.workflow.states import CaseAction


class ResultDocuments(ServiceType):
    name = "result_documents"
    alongside = True

    def handles(self, service: Service) -> bool:
        return True

    async def after_transition(
        self, session: AsyncSession, case: Case, service: Service, action: CaseAction, now: datetime
    ) -> None:
        await issue_decision(session, case, service, action)

    async def extend_view(
        self,
        session: AsyncSession,
        view: CaseRead,
        case: Case,
        principal: Principal,
        lang: str,
    ) -> None:
        # The party's (a person, an organisation's own case) and the department's; an employer
        # named on a person's case sees only what is addressed to it too (an R-visa invitation).
        if not on_case.may_read_documents(principal, case):
            if on_case.is_named_employer(principal, case):
                view.issued_documents = await on_case.documents_for(
                    session, case, lang, employer=True
                )
            return
        view.issued_documents = await on_case.documents_for(session, case, lang)
        checks = await on_case.video_checks_for(session, principal, case, lang)
        view.video_checks = checks
        view.can_schedule_video_check = on_case.may_schedule(principal, case)
        if checks:
            entries = view.timeline + on_case.timeline_entries(checks, case.status, lang)
            view.timeline = sorted(entries, key=lambda t: t.at)
