"""How the tax-difference claim plugs into the case engine: a PRC citizen cannot open its form;
submission checks the figures and the tax year and records the person's year once (a second
claim for it is refused, naming the first); a claim that ends without payment frees its year.
The payment itself is the payments room's (``OneOffPayment`` beside every ``one_off`` service).
"""

from __future__ import annotations

from datetime import datetime

from app.models import Application, Case, ClaimLine, Service
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import claims as claims_repo
from app.repositories.unit_of_work import AsyncSession
from app.services.claims.service_type import RELEASING
from app.services.service_types import ServiceType
from app.services.tax_subsidy.claims import (
    CLAIM_KIND,
    SERVICE_CODE,
    YearAlreadyClaimed,
    check_figures,
    check_may_claim,
    claim_key,
)
from app.workflow.states import CaseAction, CaseStatus
from app.workflow.values import local_date


class OverseasTaxSubsidy(ServiceType):
    name = SERVICE_CODE

    def handles(self, service: Service) -> bool:
        return service.code == SERVICE_CODE

    async def on_draft_opened(self, session: AsyncSession, application: Application) -> None:
        # Refused before anything is asked: the registration says whether the person is a
        # PRC citizen.
        applicant = await accounts_repo.get_applicant_by_id(session, application.applicant_id)
        if applicant is not None:
            check_may_claim(applicant.nationality, applicant.applicant_type)

    async def on_submitted(self, session: AsyncSession, case: Case) -> None:
        if case.applicant_id is None:
            return  # a person's service: never an organisation's case
        applicant = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
        if applicant is not None:
            check_may_claim(applicant.nationality, applicant.applicant_type)
        app = (
            await cases_repo.get_application_by_id(session, case.application_id)
            if case.application_id
            else None
        )
        year = check_figures(app.answers if app else {}, local_date(case.submitted_at))
        key = claim_key(case.applicant_id, year)
        line = ClaimLine(
            case_id=case.id, line_no=1, kind=CLAIM_KIND, claim_key=key, details={"tax_year": year}
        )
        held = await claims_repo.claimed(session, CLAIM_KIND, [key])
        # Checked first for the message naming the earlier case; the unique (kind, claim_key)
        # refuses what raced past the check.
        if key in held or await claims_repo.add_lines(session, [line]) is not None:
            held = held or await claims_repo.claimed(session, CLAIM_KIND, [key])
            raise YearAlreadyClaimed(params={"year": year, "case": held.get(key, "")})

    async def after_transition(
        self, session: AsyncSession, case: Case, service: Service, action: CaseAction, now: datetime
    ) -> None:
        if CaseStatus(case.status) in RELEASING:
            await claims_repo.release_keys(session, case.id)
