"""Reading the facts a policy change may affect: profiles and open applications."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Applicant, Application, Case, Service
from app.workflow.states import CaseStatus


@dataclass(frozen=True)
class Subject:
    kind: str
    id: uuid.UUID
    case_number: str | None
    facts: dict[str, Any]


async def subjects_for_policy(session: AsyncSession, policy_id: str) -> list[Subject]:
    """Administrative read across districts (CLI only): every applicant profile with facts, and
    every open case of a service decided by the policy."""
    out: list[Subject] = []
    profiles = await session.execute(select(Applicant.id, Applicant.profile_facts))
    for applicant_id, facts in profiles:
        if facts:
            out.append(Subject("applicant", applicant_id, None, dict(facts)))
    cases = await session.execute(
        select(Application.id, Case.number, Application.answers)
        .join(Case, Case.application_id == Application.id)
        .join(Service, Service.id == Case.service_id)
        .where(Service.policy_id == policy_id, Case.status.not_in(sorted(CaseStatus.FINAL)))
    )
    for application_id, number, answers in cases:
        out.append(Subject("application", application_id, number, dict(answers)))
    return out
