"""Case numbers: ``YP-2026-000123``, one gapless counter per district and year. The applicant's
submission numbers its case inside its own statement (``submissions.open_case``); every case
opened another way (an organisation's claim, a card holder's request, demo data) takes its
number here, from the same counter."""

from __future__ import annotations

from datetime import date

from app.repositories import submissions as submissions_repo
from app.repositories.unit_of_work import AsyncSession

DISTRICT_PREFIX = {"yangpu": "YP", "changning": "CN"}


def prefix(district: str, day: date) -> str:
    return f"{DISTRICT_PREFIX[district]}-{day.year}-"


async def next_number(session: AsyncSession, district: str, day: date) -> str:
    number = await submissions_repo.next_case_number(session, district, day.year)
    return f"{prefix(district, day)}{number:06d}"
