"""高层次人才分类认定 as a service type: the applicant applies like for any service, the talent
office decides on the case, and the approver chooses the class among those the district's
policy defines. The approval writes the register entry in the decision's own transaction."""

from __future__ import annotations

from datetime import datetime

from app.domain.principal import Principal
from app.errors import FieldError, ValidationFailed
from app.i18n import N_
from app.models import Case, Service
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import talent_register as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import CaseActionRequest, CaseRead
from app.services.service_types import ServiceType
from app.services.talent_register import register
from app.services.talent_register.views import CERTIFICATION_SERVICE, level_choices, level_name
from app.workflow.states import CaseAction, CaseStatus

ERR_LEVEL = N_("Choose the class the applicant is classified in.")
_DECIDING = frozenset({CaseStatus.IN_REVIEW, CaseStatus.ACCEPTED})


class HighLevelCertification(ServiceType):
    name = "high_level_certification"

    def handles(self, service: Service) -> bool:
        return service.code == CERTIFICATION_SERVICE

    def decision_detail(
        self, case: Case, service: Service, request: CaseActionRequest
    ) -> dict[str, object]:
        if request.action is not CaseAction.APPROVE:
            return {}
        levels = {c["value"] for c in level_choices(case.district, register.today(), "en")}
        if request.level not in levels:
            raise ValidationFailed(field_errors=[FieldError("level", "invalid_choice", ERR_LEVEL)])
        return {"level": request.level}

    async def after_transition(
        self, session: AsyncSession, case: Case, service: Service, action: CaseAction, now: datetime
    ) -> None:
        if action is not CaseAction.APPROVE or CaseStatus(case.status) is not CaseStatus.APPROVED:
            return
        if case.applicant_id is None:
            # Filed for a person only (the service is not an organisation's): nothing to record.
            return
        approval = next(
            e for e in reversed(await cases_repo.events(session, case.id)) if e.action == action
        )
        employer = await accounts_repo.get_employer(session, case.employer_id)
        await register.record_certification(
            session,
            case,
            str(approval.detail["level"]),
            (employer.name if employer else None, case.employer_uscc),
            approval.actor_user_id,
        )

    async def extend_view(
        self,
        session: AsyncSession,
        view: CaseRead,
        case: Case,
        principal: Principal,
        lang: str,
    ) -> None:
        entry = await repo.by_case(session, case.id)
        if entry is not None:
            view.decided_level = level_name(entry.district, entry.level, entry.granted_on, lang)
        elif principal.staff_id is not None and CaseStatus(case.status) in _DECIDING:
            view.decision_levels = level_choices(case.district, register.today(), lang)
