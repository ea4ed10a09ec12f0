"""The policy calculator: ask only what can still change an outcome, explain every result."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from app.domain.principal import Principal
from app.errors import FieldError, ValidationFailed
from app.i18n import N_, sentence_case
from app.repositories import accounts as accounts_repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import (
    FACTS,
    DecisionStatus,
    format_value,
    load_library,
    output_lines,
    validate_facts,
)
from app.services import audit, verified_facts
from app.services.eligibility import checked_facts, fact_field_errors, today

QUESTIONS_PER_ROUND = 5

ERR_ANSWERS_DAMAGED = N_(
    "The answers carried by the page were changed or damaged, so nothing was worked out. "
    "Start the calculator again."
)
ERR_ANSWERS_UNREADABLE = N_("Your earlier answers could not be read.")


@dataclass
class Question:
    fact: str
    label: str
    question: str
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


async def starting_facts(
    session: AsyncSession, principal: Principal | None
) -> tuple[dict[str, Any], list[str]]:
    """A signed-in applicant starts from their saved profile facts.

    Saved answers the vocabulary no longer accepts (a renamed range, a retired code) are left out
    rather than failing the page; their names come back so the page can ask them again.
    """
    if principal is None or principal.applicant_id is None:
        return {}, []
    applicant = await accounts_repo.get_applicant_by_id(session, principal.applicant_id)
    if applicant is None:
        return {}, []
    facts = dict(applicant.profile_facts)
    dropped = [e.field for e in validate_facts(facts, today(), entered=True).errors]
    return {k: v for k, v in facts.items() if k not in dropped}, dropped


def known_answers(raw: object) -> dict[str, Any]:
    """The answers so far, carried in the page's hidden field.

    The field comes back from the browser, so it is validated like any input: a changed or
    damaged value is refused (422) with every problem named, rather than silently dropped.
    """
    if raw is None or raw == "":
        return {}
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ValidationFailed(
            ERR_ANSWERS_DAMAGED,
            field_errors=[FieldError("known", "invalid_answers", ERR_ANSWERS_UNREADABLE)],
        )
    result = validate_facts(value, today(), entered=True)
    if not result.ok:
        raise ValidationFailed(
            ERR_ANSWERS_DAMAGED, field_errors=fact_field_errors(result.errors, "known.")
        )
    return value


def fact_labels(names: list[str], lang: str) -> list[str]:
    return [FACTS[n].label.get(lang) if n in FACTS else n for n in names]


async def save_profile(session: AsyncSession, principal: Principal, facts: dict[str, Any]) -> None:
    assert principal.applicant_id is not None
    checked_facts(facts, today())
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


async def vouched_for(session: AsyncSession, principal: Principal | None) -> dict[str, Any]:
    """What the portal vouches for a signed-in applicant (the talent register's memberships
    today); a visitor has nothing verified. Never carried in the page's answers."""
    applicant_id = principal.applicant_id if principal is not None else None
    return dict(await verified_facts.for_person(session, applicant_id, today()))


def step(
    facts: dict[str, Any],
    district: str | None,
    lang: str,
    *,
    skip: set[str] | None = None,
    ask: list[str] | None = None,
    vouched: dict[str, Any] | None = None,
) -> CalculatorView:
    skip = skip or set()
    library = load_library()
    results = []
    evaluated = {**facts, **(vouched or {})}
    for result in library.evaluate(evaluated, today(), district=district, lang=lang):
        data = result.model_dump(mode="json")
        policy = library.version(result.policy_id, result.policy_version)
        data["output_lines"] = output_lines(policy, result.outputs, lang)
        results.append(data)
    # Most decisive first: the engine orders each policy's missing facts; a fact that several
    # undecided policies wait for ranks ahead of one that only one of them needs.
    score: dict[str, float] = {}
    for r in results:
        if r["status"] != DecisionStatus.UNKNOWN:
            continue
        for rank, name in enumerate(r["missing_facts"]):
            score[name] = score.get(name, 0.0) + 1.0 / (1 + rank)
    # Question names come back from the page too: only vocabulary facts can be asked.
    # A verified fact (the talent register's) is read, never asked of a person.
    ask = [n for n in ask or [] if n in FACTS and FACTS[n].askable]
    wanted = (
        ask
        or [
            n
            for n, _ in sorted(score.items(), key=lambda kv: -kv[1])
            if n not in skip and n in FACTS and FACTS[n].askable
        ][:QUESTIONS_PER_ROUND]
    )
    questions = [
        Question(
            fact=n,
            label=sentence_case(FACTS[n].label.get(lang), lang),
            question=FACTS[n].asked(lang),
            help=sentence_case(FACTS[n].help.get(lang), lang),
            type=FACTS[n].type,
            values=[
                {"value": v.code, "label": sentence_case(v.label.get(lang), lang)}
                for v in FACTS[n].values
            ],
        )
        for n in wanted
    ]
    view = CalculatorView(
        facts=facts,
        known_json=json.dumps(facts, ensure_ascii=False, default=str),
        skipped_json=json.dumps(dict.fromkeys(sorted(skip), True)),
        questions=questions,
        answered=[
            {
                "label": sentence_case(FACTS[k].label.get(lang), lang),
                "value": sentence_case(format_value(v, lang, k), lang),
            }
            for k, v in facts.items()
            if k in FACTS
        ],
    )
    for r in results:
        getattr(view, r["status"]).append(r)
    return view
