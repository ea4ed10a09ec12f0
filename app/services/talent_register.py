"""Who counts as certified high-level talent, in one place.

There is no talent register yet (issue 16 adds one; it replaces ``certified`` and nothing else
changes). Until then the strongest verified facts stand in: a person holding a Yangpu talent
service card that is in force (the talent office certified them on approval), or a person with
an approved case (staff checked the materials behind its answers) whose answers name one of the
talent programmes the Yangpu card policy counts as high level. The programme list is that
policy's ``programme_codes`` parameter, itself assumed (see the policy file).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

from app.repositories import service_cards as repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import load_library
from app.workflow.states import CaseStatus

_PROGRAMME_POLICY = "yangpu.service_card"


def high_level_programmes(today: date) -> frozenset[str]:
    policy = load_library().version_at(_PROGRAMME_POLICY, today)
    value = policy.params_at(today).get("programme_codes") if policy else None
    return frozenset(str(v) for v in value) if isinstance(value, list) else frozenset()


async def certified(
    session: AsyncSession, applicant_ids: Collection[uuid.UUID], today: date
) -> set[uuid.UUID]:
    """Which of these people are certified high-level talent today."""
    ids = set(applicant_ids)
    found = await repo.active_holders(session, ids, today)
    programmes = high_level_programmes(today)
    standing = {s.value for s in CaseStatus.APPROVAL_STANDS}
    for applicant_id, answers in await repo.approved_answers(session, ids - found, standing):
        named = answers.get("talent_programs")
        if isinstance(named, list) and programmes.intersection(str(p) for p in named):
            found.add(applicant_id)
    return found


async def is_certified(session: AsyncSession, applicant_id: uuid.UUID, today: date) -> bool:
    return applicant_id in await certified(session, [applicant_id], today)
