"""The organisation services' hooks: a claim that ends without payment gives back what it
claimed; the case page lists the claim's lines and the plan filed."""

from __future__ import annotations

from datetime import datetime

from app.domain.principal import Principal
from app.i18n import N_, gettext
from app.models import Case, ClaimLine, Service
from app.repositories import cases as cases_repo
from app.repositories import claims as claims_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import CaseRead
from app.services.claims.filing import claim_once
from app.services.claims.lines import EXAM_FEE_CLAIM, KIND_OF, certificate_key
from app.services.service_types import ServiceType
from app.workflow.states import CaseAction, CaseStatus

# Ended without payment: the certificates, people and months it claimed may be claimed again.
# (Closed follows an approval or is reached from an ended status, which already released.)
RELEASING = CaseStatus.FINAL - {CaseStatus.CLOSED}
PERSON_EXAM_FEE = "exam_fee_reimbursement"


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


class PersonExamFee(ServiceType):
    """A person's own exam-fee reimbursement records its certificate, so an employer's batch
    line for the same certificate is refused, and a certificate an employer claimed first
    refuses the person's claim (409, naming the earlier case)."""

    name = "exam_fee_reimbursement"

    def handles(self, service: Service) -> bool:
        return service.code == PERSON_EXAM_FEE

    async def on_submitted(self, session: AsyncSession, case: Case) -> None:
        application = (
            await cases_repo.get_application_by_id(session, case.application_id)
            if case.application_id
            else None
        )
        raw = (application.answers if application else {}).get("certificate_number")
        if not raw:
            return
        key = certificate_key(str(raw))
        await claim_once(
            session,
            [
                ClaimLine(
                    case_id=case.id,
                    line_no=1,
                    kind=KIND_OF[EXAM_FEE_CLAIM],
                    claim_key=key,
                    details={"certificate_number": key},
                )
            ],
            case,
        )

    async def after_transition(
        self, session: AsyncSession, case: Case, service: Service, action: CaseAction, now: datetime
    ) -> None:
        if CaseStatus(case.status) in RELEASING:
            await claims_repo.release_keys(session, case.id)
