"""Who counts as certified high-level talent (Changning's 高层次人才服务专窗), in one place.

A person is certified on a day when the talent register holds an entry valid that day for one of
the programmes the Yangpu card policy counts as high level (its ``programme_codes`` parameter,
assumed; the district's own classification ``district_high_level`` is among them), or when they
hold a Yangpu talent service card in force (the talent office verified them to issue it).
Self-declared programme answers never count: the register is where verification lives.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

from app.repositories import service_cards as cards_repo
from app.repositories import talent_register as repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import load_library

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
    found = await cards_repo.active_holders(session, ids, today)
    found |= await repo.members_of(session, ids - found, high_level_programmes(today), today)
    return found


async def is_certified(session: AsyncSession, applicant_id: uuid.UUID, today: date) -> bool:
    return applicant_id in await certified(session, [applicant_id], today)
