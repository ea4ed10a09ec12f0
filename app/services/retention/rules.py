"""Retention rules as catalog data, and the retention of one decided case.

A service's rules are its admins' (``Service.retention``) or, until they edit them, the rule
set the shipped catalog names for it (``retention:`` in app/catalog/services.yaml, the sets in
app/catalog/retention.yaml). Each set has a rule per result and a ``default``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.i18n import N_, gettext
from app.models import Case, CaseEvent, Service
from app.repositories import retention as retention_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.retention import RetentionRuleEdit, RetentionRuleRead, RetentionView
from app.services.catalog import shipped_retention_sets, shipped_services
from app.workflow.housing import LeaseStatus
from app.workflow.payments import EnrolmentStatus
from app.workflow.retention import (
    ANCHOR_LABELS,
    DECISION_STATUSES,
    RESULT_LABELS,
    CaseResult,
    Disposal,
    RecordPart,
    RetentionAnchor,
    RetentionRule,
    result_of,
    retention_until,
)
from app.workflow.values import local_date

DEFAULT = "default"
RULE_KEYS: tuple[str, ...] = (*(r.value for r in CaseResult), DEFAULT)


def parse_rule(raw: Mapping[str, Any]) -> RetentionRule:
    years = raw.get("years")
    return RetentionRule(
        keeps=tuple(RecordPart(p) for p in raw.get("keeps", ())),
        years=int(years) if years is not None else None,
        anchor=RetentionAnchor(raw.get("from", RetentionAnchor.DECISION_DATE.value)),
        disposal=Disposal(raw["disposal"]),
        assumed=bool(raw.get("assumed", False)),
        source=raw.get("source"),
    )


def parse_rules(raw: Mapping[str, Any]) -> dict[str, RetentionRule]:
    unknown = set(raw) - set(RULE_KEYS)
    if unknown or DEFAULT not in raw:
        raise ValueError(f"retention rules need a default and name only results: {unknown}")
    return {key: parse_rule(value) for key, value in raw.items()}


def shipped_rules(code: str) -> dict[str, RetentionRule]:
    """The shipped rules of the service ``code`` (``standard`` for a service not shipped)."""
    name = next((s.retention for s in shipped_services() if s.code == code), "standard")
    return parse_rules(shipped_retention_sets()[name])


def rules_for(service: Service) -> dict[str, RetentionRule]:
    if service.retention:
        return parse_rules(service.retention)
    return shipped_rules(service.code)


def rule_for(service: Service, result: CaseResult) -> RetentionRule:
    rules = rules_for(service)
    return rules.get(result.value) or rules[DEFAULT]


def stored_rule(edit: RetentionRuleEdit) -> dict[str, object]:
    """An admin's rule as ``Service.retention`` keeps it (the shape of the catalog file)."""
    rule = RetentionRule(
        keeps=tuple(dict.fromkeys(edit.keeps)),
        years=edit.years,
        anchor=edit.runs_from,
        disposal=edit.disposal,
        assumed=edit.assumed,
        source=edit.source or None,
    )
    return rule_dict(rule)


def rule_dict(rule: RetentionRule) -> dict[str, object]:
    out: dict[str, object] = {
        "keeps": [p.value for p in rule.keeps],
        "from": rule.anchor.value,
        "disposal": rule.disposal.value,
        "assumed": rule.assumed,
    }
    if rule.years is not None:
        out["years"] = rule.years
    if rule.source:
        out["source"] = rule.source
    return out


def rules_read(service: Service) -> list[RetentionRuleRead]:
    rules = rules_for(service)
    return [
        RetentionRuleRead(
            result=key,
            keeps=[p.value for p in rule.keeps],
            years=rule.years,
            runs_from=rule.anchor.value,
            disposal=rule.disposal.value,
            assumed=rule.assumed,
            source=rule.source,
        )
        for key in RULE_KEYS
        if (rule := rules.get(key)) is not None
    ]


@dataclass(frozen=True)
class CaseRetention:
    """A decided case's retention, as the worker and the case pages need it."""

    result: CaseResult
    rule: RetentionRule
    decided_at: datetime
    runs_from: date | None
    until: date | None


async def anchor_date(
    session: AsyncSession, case: Case, rule: RetentionRule, decided_on: date
) -> date | None:
    """The date the period runs from; None while it has not come (payments, lease running)."""
    if rule.anchor is RetentionAnchor.PAYMENTS_END:
        facts = await retention_repo.payments_end(session, case.id, EnrolmentStatus.ENDED.value)
    elif rule.anchor is RetentionAnchor.LEASE_END:
        facts = await retention_repo.lease_end(session, case.id, LeaseStatus.ENDED.value)
    else:
        return decided_on
    return facts.ended_on if facts.exists else decided_on


async def case_retention(
    session: AsyncSession, case: Case, service: Service, decided: datetime | None = None
) -> CaseRetention | None:
    """None for a case not decided yet. ``decided``: its decision time when the caller has
    read it already (the worker reads them for many cases at once)."""
    result = result_of(case.status)
    if result is None:
        return None
    if decided is None:
        found = await retention_repo.decided_at(
            session, [case.id], [s.value for s in DECISION_STATUSES]
        )
        decided = found.get(case.id) or case.closed_at or case.submitted_at
    rule = rule_for(service, result)
    start = await anchor_date(session, case, rule, local_date(decided))
    return CaseRetention(result, rule, decided, start, retention_until(rule, start))


def summary(lang: str, found: CaseRetention) -> str:
    rule = found.rule
    anchor = gettext(lang, ANCHOR_LABELS[rule.anchor])
    if rule.disposal is Disposal.ARCHIVE:
        return gettext(lang, N_("Archived permanently."))
    if found.until is None:
        return gettext(
            lang,
            N_("Kept {years} years from {anchor} (the date is not known yet)."),
            {"years": rule.years, "anchor": anchor},
        )
    return gettext(
        lang,
        N_("Kept until {until} ({years} years from {anchor}), then destroyed."),
        {"until": found.until.isoformat(), "years": rule.years, "anchor": anchor},
    )


def decided_from(case: Case, events: list[CaseEvent]) -> datetime:
    """The decision time from the case's events when the caller has read them all (the case
    view): what ``retention_repo.decided_at`` reads, without the query."""
    statuses = {s.value for s in DECISION_STATUSES}
    times = [e.occurred_at for e in events if e.to_status in statuses]
    return max(times, default=None) or case.closed_at or case.submitted_at


async def retention_view(
    session: AsyncSession,
    case: Case,
    service: Service,
    lang: str,
    *,
    decided: datetime | None = None,
) -> RetentionView | None:
    found = await case_retention(session, case, service, decided)
    if found is None:
        return None
    rule = found.rule
    hold = await retention_repo.active_hold(session, case.id)
    return RetentionView(
        result=found.result.value,
        result_label=gettext(lang, RESULT_LABELS[found.result]),
        keeps=[p.value for p in rule.keeps],
        years=rule.years,
        runs_from=rule.anchor.value,
        runs_from_label=gettext(lang, ANCHOR_LABELS[rule.anchor]),
        runs_from_date=found.runs_from,
        until=found.until,
        disposal=rule.disposal.value,
        summary=summary(lang, found),
        assumed=rule.assumed,
        source=rule.source,
        on_hold=hold is not None,
    )
