"""The Yangpu talent service card (杨浦人才服务一卡通): its lifecycle, its validity and the
kinds of service request a holder files.

Nothing published fixes the card's term, its levels or the departments' promised times: the
values below are assumptions the district talent office is to confirm, each marked so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import ClassVar

from app.i18n import N_
from app.workflow.errors import InvalidServiceCardChange
from app.workflow.lifecycle import Lifecycle


class CardStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"  # by the talent office, with a reason told to the holder
    EXPIRED = "expired"  # lapsed without renewal (set when a new card replaces it)

    FINAL: ClassVar[frozenset[CardStatus]]


CardStatus.FINAL = frozenset({CardStatus.REVOKED, CardStatus.EXPIRED})


class CardEvent(StrEnum):
    RENEW = "renew"
    REVOKE = "revoke"
    LAPSE = "lapse"


CARDS: Lifecycle[CardStatus, CardEvent] = Lifecycle(
    CardStatus,
    CardEvent,
    {
        (CardStatus.ACTIVE, CardEvent.RENEW): CardStatus.ACTIVE,
        (CardStatus.ACTIVE, CardEvent.REVOKE): CardStatus.REVOKED,
        (CardStatus.ACTIVE, CardEvent.LAPSE): CardStatus.EXPIRED,
    },
    CardStatus.FINAL,
    InvalidServiceCardChange,
)

# The SQL of the partial unique index "one active card per person" (kept beside the enum).
ACTIVE_SQL = "status = 'active'"

# Assumed (no published term): a card is valid three years from issue, and a renewal adds
# three years to its current end. The holder is reminded 30 days before it ends.
VALID_YEARS = 3
RENEWAL_NOTICE_DAYS = 30


class CardLevel(StrEnum):
    """Assumed: the plan names no levels. The card shows on what ground its holder counts as
    high-level talent, in the order the policy's conditions are listed."""

    PROGRAMME = "programme"  # a listed talent programme
    SENIOR_TITLE = "senior_title"  # a senior (full) professional title


LEVEL_LABELS: dict[CardLevel, str] = {
    CardLevel.PROGRAMME: N_("Class A: talent programme"),
    CardLevel.SENIOR_TITLE: N_("Class B: senior professional title"),
}

# The condition of yangpu.service_card each level rests on.
LEVEL_CONDITIONS: dict[str, CardLevel] = {
    "talent_programme": CardLevel.PROGRAMME,
    "senior_title": CardLevel.SENIOR_TITLE,
}


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def first_term_end(issued_on: date) -> date:
    """The last day of a new card's validity."""
    return add_years(issued_on, VALID_YEARS) - timedelta(days=1)


def renewed_end(valid_until: date, today: date) -> date:
    """A renewal adds a term to the current end, or starts a fresh one after a lapse."""
    start = max(valid_until + timedelta(days=1), today)
    return add_years(start, VALID_YEARS) - timedelta(days=1)


def is_valid(status: CardStatus, valid_until: date, today: date) -> bool:
    return status is CardStatus.ACTIVE and today <= valid_until


def renewal_due(status: CardStatus, valid_until: date, today: date) -> bool:
    return status is CardStatus.ACTIVE and today <= valid_until <= today + timedelta(
        days=RENEWAL_NOTICE_DAYS
    )


class RequestKind(StrEnum):
    """What a holder asks for; each kind is a catalog service of its own (its department and
    promised time are the catalog's), filed from the card."""

    HOUSING = "housing"
    FAMILY_DOCTOR = "family_doctor"
    SPECIALIST_REFERRAL = "specialist_referral"
    SCHOOLING = "schooling"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class RequestSpec:
    service_code: str
    label: str  # msgid


REQUESTS: dict[RequestKind, RequestSpec] = {
    RequestKind.HOUSING: RequestSpec("card_housing_request", N_("Housing")),
    RequestKind.FAMILY_DOCTOR: RequestSpec(
        "card_medical_request", N_("Medical care: a family doctor")
    ),
    RequestKind.SPECIALIST_REFERRAL: RequestSpec(
        "card_medical_request", N_("Medical care: a specialist referral")
    ),
    RequestKind.SCHOOLING: RequestSpec("card_schooling_request", N_("Children's schooling")),
    RequestKind.OTHER: RequestSpec("card_other_request", N_("Something else")),
}

REQUEST_SERVICES = frozenset(spec.service_code for spec in REQUESTS.values())
CARD_SERVICE = "service_card"

STATUS_LABELS: dict[CardStatus, str] = {
    CardStatus.ACTIVE: N_("In force"),
    CardStatus.REVOKED: N_("Revoked"),
    CardStatus.EXPIRED: N_("Expired"),
}
