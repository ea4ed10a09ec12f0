"""Where service types plug into the case engine and the application journey.

The engine (``app.services.cases``) and the journey (``app.services.applications``) know one
lifecycle for every service. What a kind of service does beyond it (a settlement bundle asks
outside systems for records and splits into department parts; an approved talent apartment joins
the waiting list) is a ``ServiceType`` subclass in that service's own room, registered by
``app.services.wiring.install()`` at start-up. The engine calls the hooks below at fixed
points and imports no service type, so a new one never touches the engine (import-linter keeps
it so). See docs/architecture.md, "Adding a service type".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.domain.principal import Principal
from app.models import Application, Case, Service
from app.repositories.unit_of_work import AsyncSession
from app.schemas.cases import CaseActionRequest, CaseRead, QuestionView, VerificationView
from app.workflow.states import CaseAction


@dataclass(frozen=True)
class VerifiedRecords:
    """What outside systems have said about an application (免提交): facts not to ask, the
    systems whose answer stands in for their uploads, and the records as the pages show them."""

    hidden: frozenset[str] = frozenset()
    covered: frozenset[str] = frozenset()
    views: Callable[[str], list[VerificationView]] = field(default=lambda _lang: [])


NO_RECORDS = VerifiedRecords()


class ServiceType:
    """One kind of service's behaviour beyond the generic lifecycle. Every hook is a no-op by
    default, so a plain service (the skills subsidy, say) needs no subclass at all."""

    #: A short name for logs and the architecture notes.
    name = "generic"
    #: Admins edit the service's materials in the catalog (a bundle's come from its routes).
    materials_editable = True
    #: Applies beside the service's own type rather than instead of it: a concern that cuts
    #: across kinds of service (a one-off payment through finance for any money decision).
    #: Its case-engine hooks run after the own type's; the journey's hooks are the own type's.
    alongside = False

    def handles(self, service: Service) -> bool:
        return False

    # --- the application journey ---------------------------------------------------------

    def policy_for(self, service: Service, answers: Mapping[str, Any]) -> str | None:
        """The policy deciding this application (a bundle's depends on the route chosen)."""
        return service.policy_id

    async def on_draft_opened(self, session: AsyncSession, application: Application) -> None:
        """A draft was started or reopened (a bundle asks the outside systems again)."""

    async def verified_records(
        self, session: AsyncSession, service: Service, application: Application
    ) -> VerifiedRecords:
        return NO_RECORDS

    def explain_questions(
        self, questions: list[QuestionView], answers: Mapping[str, Any], lang: str
    ) -> None:
        """Adds hints to the questions shown (a bundle explains each route's verdict)."""

    def time_limit_days(self, service: Service, answers: Mapping[str, Any], today: date) -> int:
        """The working days promised on submission (a bundle's: its longest chain of steps)."""
        return service.time_limit_days

    async def on_submitted(self, session: AsyncSession, case: Case) -> None:
        """The case was just opened, in the submission's transaction."""

    # --- the case engine ---------------------------------------------------------------------

    async def before_action(
        self, session: AsyncSession, case: Case, action: CaseAction, lang: str
    ) -> None:
        """May refuse an action (raise a domain error) before the workflow applies it."""

    def decision_detail(
        self, case: Case, service: Service, request: CaseActionRequest
    ) -> dict[str, object]:
        """What the decision carries beyond the engine's own fields, checked here (a
        classification's level) and kept on the case event for ``after_transition``."""
        return {}

    def applicant_message(self, message_key: str) -> str:
        """The notice the person (or organisation) gets for one of the engine's messages: a
        kind of case whose approval is an answer, not a grant, says so in words of its own."""
        return message_key

    async def after_transition(
        self, session: AsyncSession, case: Case, service: Service, action: CaseAction, now: datetime
    ) -> None:
        """Carries a transition's consequences into the service's own records."""

    async def extend_view(
        self,
        session: AsyncSession,
        view: CaseRead,
        case: Case,
        principal: Principal,
        lang: str,
    ) -> None:
        """Adds what only this kind of case shows (bundle parts, household flags)."""


_GENERIC = ServiceType()


class _Together(ServiceType):
    """A service's own type with the types that apply beside it (``alongside``)."""

    def __init__(self, own: ServiceType, beside: list[ServiceType]) -> None:
        self.own, self.beside = own, beside
        self.name = "+".join(t.name for t in [own, *beside])
        self.materials_editable = own.materials_editable

    def policy_for(self, service: Service, answers: Mapping[str, Any]) -> str | None:
        return self.own.policy_for(service, answers)

    async def on_draft_opened(self, session: AsyncSession, application: Application) -> None:
        await self.own.on_draft_opened(session, application)

    async def verified_records(
        self, session: AsyncSession, service: Service, application: Application
    ) -> VerifiedRecords:
        return await self.own.verified_records(session, service, application)

    def explain_questions(
        self, questions: list[QuestionView], answers: Mapping[str, Any], lang: str
    ) -> None:
        self.own.explain_questions(questions, answers, lang)

    def time_limit_days(self, service: Service, answers: Mapping[str, Any], today: date) -> int:
        return self.own.time_limit_days(service, answers, today)

    def applicant_message(self, message_key: str) -> str:
        return self.own.applicant_message(message_key)

    async def on_submitted(self, session: AsyncSession, case: Case) -> None:
        for t in [self.own, *self.beside]:
            await t.on_submitted(session, case)

    async def before_action(
        self, session: AsyncSession, case: Case, action: CaseAction, lang: str
    ) -> None:
        for t in [self.own, *self.beside]:
            await t.before_action(session, case, action, lang)

    def decision_detail(
        self, case: Case, service: Service, request: CaseActionRequest
    ) -> dict[str, object]:
        detail: dict[str, object] = {}
        for t in [self.own, *self.beside]:
            detail |= t.decision_detail(case, service, request)
        return detail

    async def after_transition(
        self, session: AsyncSession, case: Case, service: Service, action: CaseAction, now: datetime
    ) -> None:
        for t in [self.own, *self.beside]:
            await t.after_transition(session, case, service, action, now)

    async def extend_view(
        self,
        session: AsyncSession,
        view: CaseRead,
        case: Case,
        principal: Principal,
        lang: str,
    ) -> None:
        for t in [self.own, *self.beside]:
            await t.extend_view(session, view, case, principal, lang)


@dataclass
class Registry:
    """The service types of a process. Static configuration, filled once at start-up, never
    shared state between requests."""

    types: list[ServiceType] = field(default_factory=list)
    installed: bool = False

    def register(self, service_type: ServiceType) -> None:
        if not any(type(t) is type(service_type) for t in self.types):
            self.types.append(service_type)

    def for_service(self, service: Service) -> ServiceType:
        """The service's type, or the generic one. Refuses to answer before the types are
        installed: a process that forgot ``install()`` would silently skip their hooks."""
        if not self.installed:
            raise RuntimeError(
                "service types are not installed: call app.services.wiring.install()"
            )
        matching = [t for t in self.types if not t.alongside and t.handles(service)]
        if len(matching) > 1:
            names = ", ".join(t.name for t in matching)
            raise RuntimeError(f"service {service.code} is claimed by several types: {names}")
        own = matching[0] if matching else _GENERIC
        beside = [t for t in self.types if t.alongside and t.handles(service)]
        return _Together(own, beside) if beside else own


REGISTRY = Registry()


def register(service_type: ServiceType) -> None:
    REGISTRY.register(service_type)


def mark_installed() -> None:
    REGISTRY.installed = True


def for_service(service: Service) -> ServiceType:
    return REGISTRY.for_service(service)
