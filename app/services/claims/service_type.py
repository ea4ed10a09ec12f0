"""The organisation services' hooks: a claim that ends without payment gives back what it
claimed; the case page lists the claim's lines and the plan filed."""

from __future__ import annotations

from datetime import datetime

from app.domain.principal import Principal
from app.i18n import N_, gettext
from app.models import Case, Service
from app.repositories import cases as cases_repo
from app.repositories import claims as claims_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import CaseRead
from app.services.service_types import ServiceType
from app.workflow.states import CaseAction, CaseStatus

# Ended without payment: the certificates, people and months it claimed may be claimed again.
# (Closed follows an approval or is reached from an ended status, which already released.)
RELEASING = CaseStatus.FINAL - {CaseStatus.CLOSED}


class OrganisationClaim(ServiceType):
    name = "organisation_claim"

    def handles(self, service: Service) -> bool:
        return service.for_organisations

    async def after_transition(
        self, session: AsyncSession, case: Case, service: Service, action: CaseAction, now: datetime
    ) -> None:
        if CaseStatus(case.status) in RELEASING:
            await claims_repo.release_keys(session, case.id)

    async def extend_view(
        self,
        session: AsyncSession,
        view: CaseRead,
        case: Case,
        principal: Principal,
        lang: str,
    ) -> None:
        view.claim_lines = [
            {
                "line": line.line_no,
                "name": line.person_name,
                "id_masked": line.person_id_masked,
                "amount_cny": line.amount_cny,
                **line.details,
            }
            for line in await claims_repo.lines_of(session, case.id)
            if line.line_no > 0
        ]
        submitted = await cases_repo.last_event_of(session, case.id, "submit")
        plan = (submitted.detail or {}).get("plan") if submitted else None
        shown = [
            {"label": gettext(lang, N_("Organisation")), "value": view.organisation_name or ""}
        ]
        if plan:
            shown.append({"label": gettext(lang, N_("Plan")), "value": str(plan)})
        if case.decided_amount_cny is not None:
            shown.append(
                {
                    "label": gettext(lang, N_("Amount (CNY)")),
                    "value": str(case.decided_amount_cny),
                }
            )
        view.answers_display = shown
