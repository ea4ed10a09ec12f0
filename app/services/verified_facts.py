"""Facts the portal vouches for instead of taking a person's word: the programme memberships
the talent register holds valid on the evaluation date. The journey, the eligibility checks
and the register's own pages read them here (one query), so none of them imports the register
room and its service type."""

from __future__ import annotations

import uuid
from datetime import date

from app.repositories import talent_register as register_repo
from app.repositories.unit_of_work import AsyncSession

# The rules' fact the register fills (app/rules/vocabulary.yaml: never asked of a person).
PROGRAMME_FACT = "verified_talent_programs"


async def for_person(
    session: AsyncSession, applicant_id: uuid.UUID | None, day: date
) -> dict[str, list[str]]:
    """The verified facts of a person on ``day``. Without a person (a calculator visitor)
    nothing is verified and the fact stays unknown."""
    if applicant_id is None:
        return {}
    return {PROGRAMME_FACT: await register_repo.valid_programmes(session, applicant_id, day)}
