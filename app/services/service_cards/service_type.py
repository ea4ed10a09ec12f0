"""How the service card and its holders' requests plug into the case engine.

``ServiceCardType``: an approved service_card case issues the card in the decision's own
transaction, a revoked approval revokes it, and a person holding an active card can neither
submit nor be approved for a second one. ``CardRequestType``: a holder's request tells them the
department's answer through the outbox, in their language."""

from __future__ import annotations

from datetime import datetime

from app.domain.principal import Principal
from app.i18n import N_, gettext
from app.models import Case, Service
from app.repositories import cases as cases_repo
from app.repositories import service_cards as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import CaseRead
from app.services.service_cards.issuing import issue, refuse_if_held, revoke_with_case
from app.services.service_cards.requests import CARD_FIELD, DETAILS_FIELD, KIND_FIELD
from app.services.service_types import ServiceType
from app.workflow.service_cards import CARD_SERVICE, REQUESTS, RequestKind
from app.workflow.states import CaseAction, CaseStatus

_KINDS = frozenset(k.value for k in RequestKind)
_DECISIONS = frozenset({CaseAction.APPROVE, CaseAction.APPROVE_ON_COMMITMENT})


class ServiceCardType(ServiceType):
    name = CARD_SERVICE

    def handles(self, service: Service) -> bool:
        return service.code == CARD_SERVICE and service.part_of is None

    async def on_submitted(self, session: AsyncSession, case: Case) -> None:
        await refuse_if_held(session, case)

    async def before_action(
        self, session: AsyncSession, case: Case, action: CaseAction, lang: str
    ) -> None:
        if action in _DECISIONS:
            await refuse_if_held(session, case)

    async def after_transition(
        self, session: AsyncSession, case: Case, service: Service, action: CaseAction, now: datetime
    ) -> None:
        status = CaseStatus(case.status)
        if status is CaseStatus.APPROVED:
            await issue(session, case, now)
        elif status is CaseStatus.REVOKED:
            await revoke_with_case(session, case, case.decision_reason, now)

    async def extend_view(
        self,
        session: AsyncSession,
        view: CaseRead,
        case: Case,
        principal: Principal,
        lang: str,
    ) -> None:
        card = await repo.by_case(session, case.id)
        if card is not None:
            view.service_card_id = card.id
            view.service_card_number = card.number


class CardRequestType(ServiceType):
    name = "service_card_request"
    # The catalog keeps a request's form: kind and details come from the card's page.
    materials_editable = False

    def handles(self, service: Service) -> bool:
        return service.part_of == CARD_SERVICE

    def applicant_message(self, message_key: str) -> str:
        # An approved request is the department's answer: the holder reads the answer, not
        # "application approved" with its talk of amounts. A refusal keeps the engine's notice,
        # which carries the reasons and the right to reconsideration or a lawsuit.
        return "service_request.answered" if message_key == "case.approve" else message_key

    async def extend_view(
        self,
        session: AsyncSession,
        view: CaseRead,
        case: Case,
        principal: Principal,
        lang: str,
    ) -> None:
        """What the holder asked, for the department answering it."""
        # Staff read what was asked here; the holder reads it on their card's page.
        if principal.staff_id is None or case.application_id is None:
            return
        application = await cases_repo.get_application_by_id(session, case.application_id)
        answers = application.answers if application else {}
        kind = str(answers.get(KIND_FIELD) or "")
        label = REQUESTS[RequestKind(kind)].label if kind in _KINDS else kind
        view.answers_display = [
            {"label": gettext(lang, N_("Service card")), "value": str(answers.get(CARD_FIELD, ""))},
            {"label": gettext(lang, N_("Request")), "value": gettext(lang, label)},
            {"label": gettext(lang, N_("Details")), "value": str(answers.get(DETAILS_FIELD, ""))},
        ]
