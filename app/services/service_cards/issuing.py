"""A card is issued in the transaction that approves its service_card case, and revoked with
the case when that approval is revoked. One person holds one active card: the check here
names the card, and the partial unique index stops what races past it."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from datetime import date, datetime

from app.config import get_settings
from app.errors import Conflict
from app.i18n import N_
from app.models import Case, ServiceCard
from app.models.base import utcnow
from app.repositories import service_cards as repo
from app.repositories.unit_of_work import AsyncSession, IntegrityError
from app.services import audit, notifications
from app.workflow.errors import InvalidStatusChange
from app.workflow.service_cards import (
    CARDS,
    LEVEL_CONDITIONS,
    CardEvent,
    CardLevel,
    CardStatus,
    first_term_end,
)
from app.workflow.values import local_date

ERR_HOLDS_CARD = N_(
    "This person already holds an active service card ({card}). One person holds one card at "
    "a time: renew it, or revoke it first."
)


class CardAlreadyHeld(Conflict):
    code = "service_card_held"


def advance(status: str, event: CardEvent) -> CardStatus:
    """The card's move, its refusal told as a conflict."""
    try:
        return CARDS.advance(status, event)
    except InvalidStatusChange as exc:
        conflict = Conflict(exc.message)
        conflict.code = exc.code
        raise conflict from exc


def card_number(case: Case) -> str:
    """The card carries its case's number with the card's mark: unique as case numbers are."""
    return case.number.replace("-", "-C-", 1)


def level_from(result: Mapping[str, object] | None) -> CardLevel:
    """The first high-level ground the rules found met, in the policy's order (the levels are
    assumed; a decision recorded without criteria counts as the first)."""
    criteria = (result or {}).get("criteria")
    met = {
        str(c.get("id"))
        for c in (criteria if isinstance(criteria, list) else [])
        if isinstance(c, Mapping) and str(c.get("result")) == "true"
    }
    for condition, level in LEVEL_CONDITIONS.items():
        if condition in met:
            return level
    return CardLevel.PROGRAMME


async def refuse_if_held(session: AsyncSession, case: Case) -> None:
    """A card in force (another case's) stands in the way; one whose term has ended does not:
    its holder applies again, and the new card replaces it (``issue``)."""
    assert case.applicant_id is not None
    held = await repo.active_of(session, case.applicant_id)
    today = local_date(utcnow())
    if held is not None and held.case_id != case.id and held.valid_until >= today:
        raise CardAlreadyHeld(ERR_HOLDS_CARD, params={"card": held.number})


async def _lapse_ended(session: AsyncSession, applicant_id: uuid.UUID, today: date) -> None:
    """Marks the person's card whose term has ended as expired, so a new one may be active."""
    held = await repo.active_of(session, applicant_id)
    if held is None or held.valid_until >= today:
        return
    held.status = advance(held.status, CardEvent.LAPSE).value
    held.version += 1
    await session.flush()
    await audit.record(
        session,
        "service_card.lapsed",
        actor_user_id=None,
        object_type="service_card",
        object_id=held.id,
        detail={"valid_until": held.valid_until.isoformat()},
        district=held.district,
    )


def verify_url(card: ServiceCard) -> str:
    return f"{get_settings().base_url.rstrip('/')}/service-cards/verify/{card.verify_token}"


def card_payload(card: ServiceCard, **extra: object) -> dict[str, object]:
    return {
        "card_number": card.number,
        "valid_until": card.valid_until,
        "url": f"{get_settings().base_url.rstrip('/')}/service-cards/{card.id}",
        **extra,
    }


async def tell_holder(
    session: AsyncSession, card: ServiceCard, template: str, key: str, **extra: object
) -> None:
    """A notice to the holder in their own language, through the outbox."""
    _applicant, user = await repo.holder(session, card.applicant_id)
    await notifications.enqueue(
        session,
        recipient_user_id=user.id,
        template=template,
        payload=card_payload(card, **extra),
        language=user.language,
        dedup_key=f"service_card:{card.id}:{key}",
        case_id=card.case_id,
        read_back=False,
    )


async def issue(session: AsyncSession, case: Case, now: datetime) -> ServiceCard:
    """Issues the card of an approved case (once: a repeated call returns it)."""
    existing = await repo.by_case(session, case.id)
    if existing is not None:
        return existing
    await refuse_if_held(session, case)
    assert case.applicant_id is not None
    today = local_date(now)
    await _lapse_ended(session, case.applicant_id, today)
    card = ServiceCard(
        number=card_number(case),
        applicant_id=case.applicant_id,
        case_id=case.id,
        district=case.district,
        level=level_from(case.eligibility_result).value,
        status=CardStatus.ACTIVE.value,
        issued_on=today,
        valid_until=first_term_end(today),
        verify_token=secrets.token_urlsafe(32),
    )
    session.add(card)
    try:
        await session.flush()
    except IntegrityError as exc:  # another approval issued this person a card meanwhile
        raise CardAlreadyHeld(ERR_HOLDS_CARD, params={"card": "?"}) from exc
    await audit.record(
        session,
        "service_card.issued",
        actor_user_id=None,
        object_type="service_card",
        object_id=card.id,
        detail={"case": case.number, "level": card.level},
        district=card.district,
    )
    await tell_holder(session, card, "service_card.issued", "issued")
    return card


async def revoke_with_case(
    session: AsyncSession, case: Case, reason: str | None, now: datetime
) -> None:
    """The approval behind the card was revoked: the card goes with it."""
    card = await repo.by_case(session, case.id)
    if card is None or CardStatus(card.status) is not CardStatus.ACTIVE:
        return
    card.status = advance(card.status, CardEvent.REVOKE).value
    card.revoked_reason = reason or case.decision_reason
    card.revoked_at = now
    card.version += 1
    await session.flush()
    await audit.record(
        session,
        "service_card.revoked",
        actor_user_id=None,
        object_type="service_card",
        object_id=card.id,
        detail={"case": case.number, "with_case": True},
        district=card.district,
    )
    await tell_holder(
        session,
        card,
        "service_card.revoked",
        f"revoked:{card.version}",
        reason=card.revoked_reason or "",
    )
