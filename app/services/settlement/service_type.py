"""How 人才落户一件事 plugs into the case engine: the bundle's policy is the chosen route's, its
drafts ask the outside systems for records (免提交), a submitted bundle waits for data still
missing, an accepted one splits into department parts, and each part's move is carried to the
bundle. Parts and the bundle show each other on their case pages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from app.domain.principal import Principal
from app.models import Application, Case, Service
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import verification as verification_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import CaseRead, QuestionView, VerificationView
from app.services.service_types import ServiceType, VerifiedRecords
from app.services.settlement import records
from app.services.settlement.late_needs import refuse_unanswered_late_needs
from app.services.settlement.lifecycle import after_submit
from app.services.settlement.parts import (
    bundle_ref,
    cancel_open_parts,
    dispatch,
    on_part_changed,
    parts_view,
    planned_time_limit,
    verifications_view,
)
from app.services.settlement.routes import explain_routes, route_label
from app.workflow.bundle import BUNDLE_SERVICE, ROUTE_POLICIES, SettlementRoute
from app.workflow.states import CaseAction, CaseStatus

# Moves the bundle logic makes itself; it carries their consequences through on its own.
_BUNDLE_MOVES = frozenset({CaseAction.RELEASE, CaseAction.CANCEL, CaseAction.DISPATCH})


class SettlementBundle(ServiceType):
    name = "settlement_bundle"
    # The bundle's materials are those of each settlement route's own service.
    materials_editable = False

    def handles(self, service: Service) -> bool:
        return BUNDLE_SERVICE in (service.code, service.part_of)

    def policy_for(self, service: Service, answers: Mapping[str, Any]) -> str | None:
        if service.policy_id or service.code != BUNDLE_SERVICE:
            return service.policy_id
        try:
            return ROUTE_POLICIES[SettlementRoute(str(answers.get("settlement_route")))]
        except ValueError:
            return None

    def time_limit_days(self, service: Service, answers: Mapping[str, Any], today: date) -> int:
        if service.code != BUNDLE_SERVICE:
            return service.time_limit_days
        return planned_time_limit(dict(answers), service.district, today) or (
            service.time_limit_days
        )

    async def on_draft_opened(self, session: AsyncSession, application: Application) -> None:
        # 免提交: the outside systems are asked for the records this bundle would need.
        applicant = await accounts_repo.get_applicant_by_id(session, application.applicant_id)
        if applicant is not None:
            await records.request_all(session, application, applicant)

    async def verified_records(
        self, session: AsyncSession, service: Service, application: Application
    ) -> VerifiedRecords:
        if service.code != BUNDLE_SERVICE:
            return VerifiedRecords()
        rows = await verification_repo.for_application(session, application.id)

        def views(lang: str) -> list[VerificationView]:
            return [VerificationView(**records.view(r, lang)) for r in rows]

        return VerifiedRecords(
            hidden=records.hidden_facts(rows),
            covered=records.covering_systems(rows),
            views=views,
        )

    def explain_questions(
        self, questions: list[QuestionView], answers: Mapping[str, Any], lang: str
    ) -> None:
        explain_routes(questions, answers, lang)

    async def on_submitted(self, session: AsyncSession, case: Case) -> None:
        await after_submit(session, case)

    async def before_action(
        self, session: AsyncSession, case: Case, action: CaseAction, lang: str
    ) -> None:
        if action is CaseAction.RECEIVE_SUPPLEMENT:
            await refuse_unanswered_late_needs(session, case, lang)

    async def after_transition(
        self, session: AsyncSession, case: Case, service: Service, action: CaseAction, now: datetime
    ) -> None:
        if case.parent_id is not None:
            if action not in _BUNDLE_MOVES:
                await on_part_changed(session, case, now)
        elif action in (CaseAction.ACCEPT, CaseAction.ACCEPT_WITH_PENDING_MATERIALS):
            await dispatch(session, case, now)
        elif CaseStatus(case.status) is CaseStatus.WITHDRAWN:
            await cancel_open_parts(session, case, now)

    async def extend_view(
        self,
        session: AsyncSession,
        view: CaseRead,
        case: Case,
        principal: Principal,
        lang: str,
    ) -> None:
        if case.parent_id is not None:
            view.bundle = await bundle_ref(session, case, lang)
            return
        if case.application_id is None:
            return
        view.parts = await parts_view(session, case, lang)
        view.verifications = await verifications_view(session, case.application_id, lang)
        application = await cases_repo.get_application_by_id(session, case.application_id)
        if application is not None:
            view.route = str(application.answers.get("settlement_route") or "") or None
            view.route_label = route_label(view.route, lang)
