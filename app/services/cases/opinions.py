"""The reviewer's opinion (审核意见): recommend approval or rejection with reasons and the clause,
passed to the approver, who reads the latest on the case page. Whoever recorded it reviewed the
case, so the four-eyes rule keeps them from deciding it (``reviewer_staff_id``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.errors import FieldError, ValidationFailed
from app.i18n import N_, gettext
from app.models import CaseEvent
from app.schemas.case_steps import ReviewOpinion
from app.workflow.states import ACTION_LABELS, OPINIONS, CaseAction

_RECOMMENDATION = {
    CaseAction.RECOMMEND_APPROVAL: "approve",
    CaseAction.RECOMMEND_REJECTION: "reject",
}


def latest_opinion(
    events: Sequence[CaseEvent], lang: str, by: str | None = None
) -> ReviewOpinion | None:
    """The newest opinion recorded on the case, or None (the approver decides without one)."""
    for event in reversed(events):
        if event.action not in {a.value for a in OPINIONS}:
            continue
        action = CaseAction(event.action)
        clause = (event.detail or {}).get("clause")
        return ReviewOpinion(
            recommendation=_RECOMMENDATION[action],
            label=gettext(lang, ACTION_LABELS[action]),
            reason=event.reason,
            clause=str(clause) if clause else None,
            at=event.occurred_at,
            by=by,
        )
    return None


def clause_choices(eligibility: Mapping[str, Any] | None, lang: str) -> list[str]:
    """The clauses of the policy the case was checked against, each once, in the policy's
    order: what an opinion or a decision may rest on."""
    out: list[str] = []
    for criterion in (eligibility or {}).get("criteria") or []:
        clause = criterion.get("clause") if isinstance(criterion, Mapping) else None
        if not isinstance(clause, Mapping):
            continue
        title = str(clause.get("document_title") or "")
        article = str(clause.get("article") or "")
        text = f"{title} {article}".strip()
        if text and text not in out:
            out.append(text)
    return out


def check_clause(
    action: CaseAction, clause: str | None, eligibility: Mapping[str, Any] | None
) -> None:
    """An opinion's clause is one of the policy's (when the case was checked against one)."""
    if action not in OPINIONS or not clause or not clause.strip():
        return
    choices = clause_choices(eligibility, "zh")
    if choices and clause.strip() not in choices:
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    "clause",
                    "unknown_clause",
                    N_("Choose a clause of the policy the case rests on."),
                )
            ]
        )
