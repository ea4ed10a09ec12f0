"""Builders shared by the workflow tests: cases, actors and a payload that satisfies each action."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.workflow.states import ActorRole, CaseAction, CaseStatus, ResultDelivery
from app.workflow.transitions import ACTION_RULES, Need
from app.workflow.values import ActionPayload, Actor, CaseSnapshot, ServiceCapabilities

APPLICANT_ID = "applicant-1"
EMPLOYER_ID = "employer-1"
# 10:00 in Shanghai, so the local day is the same as the UTC day.
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
PENDING_DUE = date(2026, 3, 10)
LATER = NOW + timedelta(days=30)  # past PENDING_DUE: 容缺 materials are overdue

FULL_SERVICE = ServiceCapabilities(
    allows_missing_materials=True, allows_commitment=True, needs_employer_confirmation=True
)


def make_case(status: CaseStatus = CaseStatus.SUBMITTED, **changes: object) -> CaseSnapshot:
    fields: dict[str, object] = {
        "id": "case-1",
        "status": status,
        "version": 3,
        "applicant_id": APPLICANT_ID,
        "employer_id": EMPLOYER_ID,
        "employer_confirmed": True,
    }
    fields.update(changes)
    return CaseSnapshot(**fields)  # type: ignore[arg-type]


def actor_for(role: ActorRole) -> Actor:
    """An actor of ``role`` who is a party of ``make_case`` cases where parties matter."""
    ids = {ActorRole.APPLICANT: APPLICANT_ID, ActorRole.EMPLOYER: EMPLOYER_ID}
    return Actor(ids.get(role, f"staff-{role}"), role)


def permitted_actor(action: CaseAction) -> Actor:
    return actor_for(sorted(ACTION_RULES[action].roles)[0])


def good_payload(action: CaseAction, today: date = TODAY) -> ActionPayload:
    """Fills in every field the action requires, and nothing it merely allows."""
    rule = ACTION_RULES[action]
    due = today + timedelta(days=10) if rule.due_on is Need.REQUIRED else None
    delivery = ResultDelivery.POST if rule.delivery is Need.REQUIRED else None
    return ActionPayload(
        reason="reason" if rule.reason is Need.REQUIRED else None,
        clause="Art. 38" if rule.clause is Need.REQUIRED else None,
        items=("degree certificate",) if rule.items is Need.REQUIRED else (),
        due_on=due,
        delivery=delivery,
        tracking_number="SF1234567890" if delivery is ResultDelivery.POST else None,
    )


def now_for(action: CaseAction) -> datetime:
    """Termination for overdue 容缺 materials only works after their due date."""
    return LATER if action is CaseAction.EXPIRE_PENDING_MATERIALS else NOW
