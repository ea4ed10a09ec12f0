"""The policy calculator: ask only what can still change an outcome, explain every result."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.principal import Principal
from app.repositories import accounts as accounts_repo
from app.rules import FACTS, load_library
from app.services import audit
from app.services.eligibility import checked_facts, today

QUESTIONS_PER_ROUND = 5


@dataclass
class Question:
    fact: str
    label: str
    help: str
    type: str
    values: list[dict[str, str]]


@dataclass
class CalculatorView:
    facts: dict[str, Any]
    known_json: str
    skipped_json: str
    questions: list[Question]
    eligible: list[dict[str, Any]] = field(default_factory=list)
    unknown: list[dict[str, Any]] = field(default_factory=list)
    ineligible: list[dict[str, Any]] = field(default_factory=list)
    answered: list[dict[str, str]] = field(default_factory=list)


async def starting_facts(session: AsyncSession, principal: Principal | None) -> dict[str, Any]:
    """A signed-in applicant starts from their saved profile facts."""
    if principal is None or principal.applicant_id is None:
        return {}
    applicant = await accounts_repo.get_applicant_by_id(session, principal.applicant_id)
    return dict(applicant.profile_facts) if applicant else {}


async def save_profile(session: AsyncSession, principal: Principal, facts: dict[str, Any]) -> None:
    assert principal.applicant_id is not None
    checked_facts(facts)
    applicant = await accounts_repo.get_applicant_by_id(session, principal.applicant_id)
    if applicant is not None:
        applicant.profile_facts = {**applicant.profile_facts, **facts}
        await audit.record(
            session,
            "profile.facts_saved",
            actor=principal,
            object_type="applicant",
            object_id=applicant.id,
            detail={"facts": sorted(facts)},
        )
        await session.flush()


def _label(obj: Any, lang: str) -> str:
    return str(obj.zh if lang == "zh" else obj.en)


def step(
    facts: dict[str, Any],
    district: str | None,
    lang: str,
    *,
    skip: set[str] | None = None,
    ask: list[str] | None = None,
) -> CalculatorView:
    skip = skip or set()
    results = [
        r.model_dump(mode="json")
        for r in load_library().evaluate(facts, today(), district=district, lang=lang)
    ]
    # Most decisive first: the engine orders each policy's missing facts; a fact that several
    # undecided policies wait for ranks ahead of one that only one of them needs.
    score: dict[str, float] = {}
    for r in results:
        if r["status"] != "unknown":
            continue
        for rank, name in enumerate(r["missing_facts"]):
            score[name] = score.get(name, 0.0) + 1.0 / (1 + rank)
    wanted = (
        ask
        or [
            n
            for n, _ in sorted(score.items(), key=lambda kv: -kv[1])
            if n not in skip and n in FACTS
        ][:QUESTIONS_PER_ROUND]
    )
    questions = [
        Question(
            fact=n,
            label=_label(FACTS[n].label, lang),
            help=_label(FACTS[n].help, lang),
            type=FACTS[n].type,
            values=[{"value": v.code, "label": _label(v.label, lang)} for v in FACTS[n].values],
        )
        for n in wanted
    ]
    view = CalculatorView(
        facts=facts,
        known_json=json.dumps(facts, ensure_ascii=False, default=str),
        skipped_json=json.dumps(dict.fromkeys(sorted(skip), True)),
        questions=questions,
        answered=[
            {"label": _label(FACTS[k].label, lang), "value": str(v)}
            for k, v in facts.items()
            if k in FACTS
        ],
    )
    for r in results:
        getattr(view, r["status"]).append(r)
    return view
