"""The talent register's vocabulary: where an entry comes from and whether it holds on a day."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from app.i18n import N_


class RegisterSource(StrEnum):
    AWARD = "award"  # a programme round's award
    CERTIFICATION = "certification"  # the district's high-level talent classification
    OUTSIDE_RECORD = "outside_record"  # a national or city programme, recorded with evidence


class Validity(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


SOURCE_LABELS: dict[str, str] = {
    RegisterSource.AWARD: N_("Programme award"),
    RegisterSource.CERTIFICATION: N_("High-level talent classification"),
    RegisterSource.OUTSIDE_RECORD: N_("Outside record, verified with evidence"),
}

VALIDITY_LABELS: dict[str, str] = {
    Validity.VALID: N_("Valid"),
    Validity.EXPIRED: N_("Expired"),
    Validity.NOT_YET_VALID: N_("Not yet valid"),
}


def validity_on(granted_on: date, valid_until: date | None, day: date) -> Validity:
    """An entry is a verified fact from its grant to its last valid day, inclusive."""
    if granted_on > day:
        return Validity.NOT_YET_VALID
    if valid_until is not None and valid_until < day:
        return Validity.EXPIRED
    return Validity.VALID
