"""Settlement routes: the route finder's verdicts shown on the route question, changing the
route before acceptance, and their labels."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_, gettext
from app.models import CaseEvent
from app.models.base import utcnow
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import DecisionStatus
from app.schemas.cases import QuestionView
from app.services import audit
from app.services.applications import journey as application_journey
from app.services.applications import questions as application_questions
from app.services.settlement.bundle import is_bundle
from app.services.settlement.late_needs import recheck_eligibility
from app.services.settlement.route_finder import find_routes
from app.workflow.bundle import (
    ROUTE_CHANGEABLE,
    ROUTE_LABELS,
    ROUTE_POLICIES,
    SettlementRoute,
)
from app.workflow.states import ActorRole


def route_label(route: str | None, lang: str) -> str | None:
    try:
        return gettext(lang, ROUTE_LABELS[SettlementRoute(route)]) if route else None
    except ValueError:
        return None


def route_options(lang: str) -> list[tuple[str, str, None]]:
    return [(r.value, gettext(lang, ROUTE_LABELS[r]), None) for r in SettlementRoute]


async def routes_for(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID, lang: str
) -> Any:
    """The route finder on the draft's answers, verified records included."""
    app = await application_journey.get_owned(session, principal, application_id)
    service = await catalog_repo.get(session, app.service_id)
    if service is None or not is_bundle(service):
        raise NotFound()
    return find_routes(application_questions.fact_answers(app.answers), lang)


async def change_route(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    route: str,
    reason: str,
    lang: str,
) -> None:
    """A window clerk corrects the route before the bundle is accepted, saying why."""
    if principal.staff_id is None or not principal.can(Permission.HANDLE_WINDOW):
        raise PermissionDenied()
    case = await cases_repo.get_case(session, principal, case_id)
    if case is None or case.application_id is None:
        raise NotFound()
    service = await catalog_repo.get(session, case.service_id)
    if service is None or not is_bundle(service):
        raise NotFound()
    if case.status not in ROUTE_CHANGEABLE:
        raise Conflict(N_("The route can only be changed before the bundle is accepted."))
    problems = []
    chosen = None
    try:
        chosen = SettlementRoute(route)
    except ValueError:
        problems.append(FieldError("route", "invalid", N_("Choose one of the options.")))
    if not reason.strip():
        problems.append(FieldError("reason", "required", N_("Say why the route changes.")))
    if problems or chosen is None:
        raise ValidationFailed(field_errors=problems)
    app = await cases_repo.get_application_by_id(session, case.application_id)
    assert app is not None
    before = app.answers.get("settlement_route")
    app.answers = {**app.answers, "settlement_route": chosen.value}
    await session.flush()
    await recheck_eligibility(session, case)
    session.add(
        CaseEvent(
            case_id=case.id,
            occurred_at=utcnow(),
            action="change_route",
            from_status=case.status,
            to_status=case.status,
            actor_user_id=principal.user_id,
            actor_role=ActorRole.WINDOW_CLERK.value,
            reason=reason.strip()[:2000],
            detail={"from": before, "to": chosen.value},
        )
    )
    await audit.record(
        session,
        "bundle.route_changed",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"from": before, "to": chosen.value},
    )
    await session.flush()


_ROUTE_HINTS: dict[DecisionStatus, str] = {
    DecisionStatus.ELIGIBLE: N_("Open to you on what we know so far."),
    DecisionStatus.UNKNOWN: N_("May be open to you: the questions of this route decide."),
    DecisionStatus.INELIGIBLE: N_("Not open to you: {reason}"),
}


def explain_routes(questions: list[QuestionView], answers: Mapping[str, Any], lang: str) -> None:
    """Each route option carries the route finder's verdict on the answers and verified
    records so far, so the applicant chooses knowing why."""
    question = next((q for q in questions if q.fact == "settlement_route"), None)
    if question is None:
        return
    found = find_routes(application_questions.fact_answers(answers), lang)
    by_policy = {r["policy_id"]: r for r in found.routes}
    for option in question.values:
        verdict = by_policy.get(ROUTE_POLICIES[SettlementRoute(option["value"])])
        if verdict is None:
            continue
        status = str(verdict["status"])
        failed = [c for c in verdict["criteria"] if c.get("result") == "false"]
        reason = str(failed[0]["message"]) if failed else ""
        option["hint"] = gettext(lang, _ROUTE_HINTS[DecisionStatus(status)]).format(reason=reason)
        option["status"] = status
