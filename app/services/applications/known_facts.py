"""What the portal already knows about an applicant, so the journey does not ask it: the birth
date written in a resident ID number (digits 7–14, GB 11643) and the nationality of the
registration (a resident ID holder is a Chinese citizen; a passport holder gave theirs)."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.domain.enums import IdKind
from app.models import Applicant
from app.services import protection


def birth_date_of(resident_id: str) -> date | None:
    try:
        return date(int(resident_id[6:10]), int(resident_id[10:12]), int(resident_id[12:14]))
    except ValueError:
        return None


def identity_facts(applicant: Applicant | None) -> dict[str, Any]:
    """Facts read from the registration, by talent-fact name (JSON values, as answers are)."""
    if applicant is None:
        return {}
    facts: dict[str, Any] = {}
    if applicant.nationality:
        facts["nationality"] = applicant.nationality
    if applicant.id_kind == IdKind.RESIDENT_ID:
        born = birth_date_of(protection.decrypt_id(applicant.id_number_enc))
        if born is not None:
            facts["birth_date"] = born.isoformat()
    return facts
