"""The Yangpu talent service card for mobile apps: the holder's cards and requests (file one),
the public verification behind the QR code, and renewal and revocation by the talent office."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status

from app.core.templates import language
from app.db import SessionDep
from app.routers.access import CaseStaff, CurrentApplicant, CurrentUser, PublicPage
from app.schemas.service_cards import (
    CardRequestCreate,
    CardRequestRead,
    CardRevoke,
    CardToReview,
    CardVerification,
    ServiceCardRead,
)
from app.services.service_cards import cards, requests

router = APIRouter(prefix="/api/v1/service-cards", tags=["service cards"])


@router.get("")
async def list_cards(
    request: Request, principal: CurrentApplicant, session: SessionDep
) -> list[ServiceCardRead]:
    """The caller's own cards, the current one first."""
    return await cards.my_cards(session, principal, language(request))


@router.get("/verify/{token}")
async def verify(token: str, principal: PublicPage, session: SessionDep) -> CardVerification:
    """What the QR code's page tells anyone: valid today or not, and the masked name."""
    return await cards.verify(session, token)


@router.get("/to-review")
async def cards_to_review(
    request: Request, principal: CaseStaff, session: SessionDep
) -> list[CardToReview]:
    """The talent office's list: active cards of the district whose programme membership
    ended, the longest waiting first; each is renewed on another basis or revoked."""
    return await cards.to_review(session, principal, language(request))


@router.get("/{card_id}")
async def get_card(
    card_id: uuid.UUID, request: Request, principal: CurrentUser, session: SessionDep
) -> ServiceCardRead:
    """The holder's own card, or a card of the staff member's district."""
    return await cards.read(session, principal, card_id, language(request))


@router.post("/{card_id}/requests", status_code=status.HTTP_201_CREATED)
async def file_request(
    card_id: uuid.UUID,
    data: CardRequestCreate,
    request: Request,
    principal: CurrentApplicant,
    session: SessionDep,
) -> CardRequestRead:
    """A service request routed to the responsible department (a case of its own)."""
    return await requests.file_and_read(session, principal, card_id, data, language(request))


@router.post("/{card_id}/renew")
async def renew(
    card_id: uuid.UUID, request: Request, principal: CaseStaff, session: SessionDep
) -> ServiceCardRead:
    return await cards.renew(session, principal, card_id, language(request))


@router.post("/{card_id}/revoke")
async def revoke(
    card_id: uuid.UUID,
    data: CardRevoke,
    request: Request,
    principal: CaseStaff,
    session: SessionDep,
) -> ServiceCardRead:
    return await cards.revoke(session, principal, card_id, data, language(request))
