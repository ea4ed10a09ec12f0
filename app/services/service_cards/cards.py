"""The card as its holder and the talent office see it (with its QR code), the public
verification page, renewal and revocation by the talent office, and the reminders before a
card ends."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import segno

from app.domain.enums import Department, Permission
from app.domain.principal import Principal
from app.errors import NotFound, PermissionDenied
from app.i18n import gettext
from app.models import ServiceCard
from app.models.base import utcnow
from app.repositories import catalog as catalog_repo
from app.repositories import service_cards as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.service_cards import CardRevoke, CardToReview, CardVerification, ServiceCardRead
from app.services import audit
from app.services.payments.common import mask_name
from app.services.service_cards.issuing import advance, tell_holder, verify_url
from app.services.service_cards.requests import request_views
from app.workflow.service_cards import (
    CARD_SERVICE,
    LEVEL_LABELS,
    RENEWAL_NOTICE_DAYS,
    STATUS_LABELS,
    CardEvent,
    CardLevel,
    CardStatus,
    is_valid,
    renewal_due,
    renewed_end,
)
from app.workflow.values import local_date

# A district holds a few hundred programme-class cards; the list shows this many at most.
REVIEW_LIMIT = 500


def may_review(principal: Principal) -> bool:
    """The district talent office's deciders renew and revoke; supervisors oversee."""
    if principal.staff_id is None or principal.district is None:
        return False
    if principal.can(Permission.OVERSEE_DEPARTMENTS):
        return True
    return principal.department == Department.TALENT_OFFICE.value and principal.can(
        Permission.APPROVE_CASES
    )


def may_manage(principal: Principal, card: ServiceCard) -> bool:
    return principal.district == card.district and may_review(principal)


def qr_svg(card: ServiceCard) -> str:
    """The verification address as an inline SVG QR code (the page prints the address too)."""
    return str(segno.make(verify_url(card), error="m").svg_inline(scale=4, dark="#0b0c0c"))


async def card_view(
    session: AsyncSession, principal: Principal, card: ServiceCard, lang: str
) -> ServiceCardRead:
    today = local_date(utcnow())
    applicant, _user = await repo.holder(session, card.applicant_id)
    status = CardStatus(card.status)
    return ServiceCardRead(
        id=card.id,
        number=card.number,
        holder_name=applicant.full_name,
        level=card.level,
        level_label=gettext(lang, LEVEL_LABELS[CardLevel(card.level)]),
        status=card.status,
        status_label=gettext(lang, STATUS_LABELS[status]),
        valid=is_valid(status, card.valid_until, today),
        issued_on=card.issued_on,
        valid_until=card.valid_until,
        renewal_due=renewal_due(status, card.valid_until, today)
        or (status is CardStatus.ACTIVE and card.valid_until < today),
        revoked_reason=card.revoked_reason,
        # Only an active card is under review; a revoked or expired one has ended anyway.
        basis_ended_on=card.basis_ended_on if status is CardStatus.ACTIVE else None,
        case_id=card.case_id,
        verify_url=verify_url(card),
        requests=await request_views(session, principal, card.applicant_id, lang),
        manageable=may_manage(principal, card) and status is CardStatus.ACTIVE,
    )


async def get(
    session: AsyncSession, principal: Principal, card_id: uuid.UUID, *, lock: bool = False
) -> ServiceCard:
    card = await repo.get_card(session, principal, card_id, lock=lock)
    if card is None:
        raise NotFound()
    return card


async def my_cards(session: AsyncSession, principal: Principal, lang: str) -> list[ServiceCardRead]:
    return [
        await card_view(session, principal, c, lang)
        for c in await repo.list_cards(session, principal)
    ]


async def read(
    session: AsyncSession, principal: Principal, card_id: uuid.UUID, lang: str
) -> ServiceCardRead:
    return await card_view(session, principal, await get(session, principal, card_id), lang)


async def offered_to_review(session: AsyncSession, principal: Principal) -> bool:
    """Whether the staff home links the cards to review: the caller decides on cards and
    their district issues them (Yangpu; Changning has no card)."""
    if not may_review(principal) or principal.district is None:
        return False
    return await catalog_repo.get_by_code(session, principal.district, CARD_SERVICE) is not None


async def to_review(session: AsyncSession, principal: Principal, lang: str) -> list[CardToReview]:
    """The district's active cards whose programme membership ended and that no other listed
    membership holds up (flagged by the daily round): each waits for the office to renew it
    on another basis or revoke it with a reason."""
    if not may_review(principal):
        raise PermissionDenied()
    return [
        CardToReview(
            id=card.id,
            number=card.number,
            holder_name=name,
            level_label=gettext(lang, LEVEL_LABELS[CardLevel(card.level)]),
            basis_ended_on=card.basis_ended_on,
            valid_until=card.valid_until,
        )
        for card, name in await repo.basis_ended(
            session, principal, local_date(utcnow()), REVIEW_LIMIT
        )
        if card.basis_ended_on is not None
    ]


async def verify(session: AsyncSession, token: str) -> CardVerification:
    """The public page behind the QR code: validity today and the masked name, nothing else.
    An unknown token answers 404, like a card that never existed."""
    card = await repo.by_token(session, token.strip())
    if card is None:
        raise NotFound()
    applicant, _user = await repo.holder(session, card.applicant_id)
    today = local_date(utcnow())
    return CardVerification(
        valid=is_valid(CardStatus(card.status), card.valid_until, today),
        masked_name=mask_name(applicant.full_name),
    )


async def _managed(session: AsyncSession, principal: Principal, card_id: uuid.UUID) -> ServiceCard:
    card = await get(session, principal, card_id, lock=True)
    if not may_manage(principal, card):
        raise PermissionDenied()
    return card


async def renew(
    session: AsyncSession, principal: Principal, card_id: uuid.UUID, lang: str
) -> ServiceCardRead:
    card = await _managed(session, principal, card_id)
    today = local_date(utcnow())
    advance(card.status, CardEvent.RENEW)
    before = card.valid_until
    card.valid_until = renewed_end(card.valid_until, today)
    card.renewed_on = today
    # Renewing a card whose programme basis ended is the office's decision that it continues:
    # it leaves the list of cards to review (the flag's day stays in the audit entry).
    basis_ended = card.basis_ended_on
    card.basis_ended_on = None
    card.version += 1
    await session.flush()
    await audit.record(
        session,
        "service_card.renewed",
        actor=principal,
        object_type="service_card",
        object_id=card.id,
        detail={
            "from": before.isoformat(),
            "to": card.valid_until.isoformat(),
            **({"basis_ended_on": basis_ended.isoformat()} if basis_ended else {}),
        },
        district=card.district,
    )
    await tell_holder(session, card, "service_card.renewed", f"renewed:{card.valid_until}")
    return await card_view(session, principal, card, lang)


async def revoke(
    session: AsyncSession, principal: Principal, card_id: uuid.UUID, data: CardRevoke, lang: str
) -> ServiceCardRead:
    card = await _managed(session, principal, card_id)
    card.status = advance(card.status, CardEvent.REVOKE).value
    card.revoked_reason = data.reason
    card.revoked_at = utcnow()
    card.revoked_by_user_id = principal.user_id
    card.version += 1
    await session.flush()
    await audit.record(
        session,
        "service_card.revoked",
        actor=principal,
        object_type="service_card",
        object_id=card.id,
        detail={"reason": data.reason},
        district=card.district,
    )
    await tell_holder(
        session, card, "service_card.revoked", f"revoked:{card.version}", reason=data.reason
    )
    return await card_view(session, principal, card, lang)


async def remind_renewals(session: AsyncSession, today: date) -> int:
    """One notice per card and term, some days before it ends (the worker's daily round)."""
    sent = 0
    for card in await repo.renewals_due(session, today + timedelta(days=RENEWAL_NOTICE_DAYS)):
        if card.valid_until < today:
            continue
        await tell_holder(
            session, card, "service_card.renewal_due", f"renewal_due:{card.valid_until}"
        )
        card.renewal_notice_for = card.valid_until
        sent += 1
    await session.flush()
    return sent
