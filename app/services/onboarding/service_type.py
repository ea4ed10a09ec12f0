"""How the onboarding bundle plugs into the case engine: a PRC citizen (or a Hong Kong, Macao
or Taiwan resident) cannot open its form; submission runs the work-permit pre-check and keeps
its class; the window's acceptance creates the district's sub-cases; every move of a sub-case
moves the bundle on (the housing step's approval offers the apartment or grants the rent
subsidy); the bundle and its sub-cases show the same steps. Beside the schooling consultation,
a consultation linked to a bundle's schooling step moves the bundle on too."""

from __future__ import annotations

from datetime import datetime

from app.domain.principal import Principal
from app.models import Application, Case, OnboardingRecord, Service
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import onboarding as onboarding_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import CaseRead
from app.services import verified_facts
from app.services.applications import questions as application_questions
from app.services.onboarding import housing, precheck
from app.services.onboarding.progress import view
from app.services.onboarding.steps import advance, cancel_open_parts, dispatch
from app.services.schooling.sessions import SERVICE_CODE as CONSULTATION_SERVICE
from app.services.service_types import ServiceType
from app.workflow.onboarding import ONBOARDING_SERVICE
from app.workflow.states import CaseAction, CaseStatus
from app.workflow.values import local_date

# Moves the bundle logic makes itself; it carries their consequences through on its own.
_BUNDLE_MOVES = frozenset(
    {CaseAction.RELEASE, CaseAction.CANCEL, CaseAction.DISPATCH, CaseAction.COMPLETE_PARTS}
)


class OnboardingBundle(ServiceType):
    name = "foreign_talent_onboarding"

    def handles(self, service: Service) -> bool:
        return ONBOARDING_SERVICE in (service.code, service.part_of)

    async def on_draft_opened(self, session: AsyncSession, application: Application) -> None:
        # Refused before anything is asked: the passport or ID the person registered with
        # says whether they are a foreign national.
        applicant = await accounts_repo.get_applicant_by_id(session, application.applicant_id)
        if applicant is not None:
            precheck.check_may_start(applicant.nationality)

    async def on_submitted(self, session: AsyncSession, case: Case) -> None:
        if case.parent_id is not None or case.application_id is None:
            return
        app = await cases_repo.get_application_by_id(session, case.application_id)
        assert app is not None
        day = local_date(case.submitted_at)
        vouched = await verified_facts.for_person(session, case.applicant_id, day)
        facts = {**application_questions.fact_answers(app.answers), **vouched}
        result = precheck.run(facts, day, "en")
        await onboarding_repo.add(
            session,
            OnboardingRecord(
                case_id=case.id,
                permit_class=result.permit_class.value if result.permit_class else None,
                points=result.points,
                precheck_receipt=result.receipt,
                ticked=[],
            ),
        )

    async def after_transition(
        self, session: AsyncSession, case: Case, service: Service, action: CaseAction, now: datetime
    ) -> None:
        if action in _BUNDLE_MOVES:
            return
        if case.parent_id is not None:
            parent = await cases_repo.get_case_fresh(session, case.parent_id)
            if parent is None:
                return
            decided = CaseStatus(case.status) is CaseStatus.APPROVED
            if decided and case.bundle_part == housing.STEP:
                record = await onboarding_repo.record_of(session, parent.id, for_update=True)
                if record is not None:
                    await housing.on_decided(session, parent, case, record)
            await advance(session, parent, now)
        elif action in (CaseAction.ACCEPT, CaseAction.ACCEPT_WITH_PENDING_MATERIALS):
            await dispatch(session, case, now)
        elif CaseStatus(case.status) is CaseStatus.WITHDRAWN:
            await cancel_open_parts(session, case, now)

    async def extend_view(
        self,
        session: AsyncSession,
        view_: CaseRead,
        case: Case,
        principal: Principal,
        lang: str,
    ) -> None:
        bundle = case
        if case.parent_id is not None:
            bundle = await cases_repo.get_case_fresh(session, case.parent_id) or case
        view_.onboarding = await view(session, bundle, principal, lang)


class BundleConsultation(ServiceType):
    """Beside the schooling consultation: a consultation requested from an onboarding bundle's
    schooling step moves the bundle on whenever it moves (answered: the step is done)."""

    name = "onboarding_linked_consultation"
    alongside = True

    def handles(self, service: Service) -> bool:
        return service.code == CONSULTATION_SERVICE

    async def after_transition(
        self, session: AsyncSession, case: Case, service: Service, action: CaseAction, now: datetime
    ) -> None:
        if case.application_id is None:
            return
        record = await onboarding_repo.record_linking_application(session, case.application_id)
        if record is None:
            return
        bundle = await cases_repo.get_case_fresh(session, record.case_id)
        if bundle is not None:
            await advance(session, bundle, now)
