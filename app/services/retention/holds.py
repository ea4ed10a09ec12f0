"""Legal holds: a case that must not be destroyed (litigation, an inquiry, a complaint), with
the reason, who placed it and when, until an officer releases it. Placing a hold takes the
case off any open destruction list; the worker never proposes a held case."""

from __future__ import annotations

import uuid

from app.domain.principal import Principal
from app.errors import Conflict, NotFound
from app.i18n import N_
from app.models import LegalHold
from app.models.base import utcnow
from app.repositories import retention as retention_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.retention import HoldCreate, HoldRead, HoldRelease
from app.services import audit
from app.services.retention.lists import officer_district
from app.workflow.retention import DestructionItemStatus, DestructionListStatus


class AlreadyHeld(Conflict):
    code = "already_on_hold"
    default_detail = N_("This case is already on legal hold.")


def _read(hold: LegalHold, number: str) -> HoldRead:
    return HoldRead(
        id=hold.id,
        case_id=hold.case_id,
        case_number=number,
        reason=hold.reason,
        placed_at=hold.placed_at,
        released_at=hold.released_at,
    )


async def list_holds(session: AsyncSession, principal: Principal) -> list[HoldRead]:
    district = officer_district(principal)
    return [_read(h, n) for h, n in await retention_repo.holds_of(session, district)]


async def place(session: AsyncSession, principal: Principal, data: HoldCreate) -> HoldRead:
    district = officer_district(principal)
    case = await retention_repo.case_in_district(session, district, number=data.case_number)
    if case is None:
        raise NotFound()
    if await retention_repo.active_hold(session, case.id) is not None:
        raise AlreadyHeld()
    now = utcnow()
    hold = LegalHold(
        case_id=case.id,
        district=district,
        reason=data.reason,
        placed_by=principal.user_id,
        placed_at=now,
    )
    session.add(hold)
    open_statuses = [s.value for s in DestructionListStatus.OPEN]
    for item in await retention_repo.listed_items_of_case(
        session, case.id, DestructionItemStatus.LISTED.value, open_statuses
    ):
        item.status = DestructionItemStatus.REMOVED.value
        item.removed_reason, item.removed_by, item.removed_at = "legal hold", principal.user_id, now
    await session.flush()
    # The reason stays on the hold, out of the hash chain (free text may name people).
    await audit.record(
        session,
        "records.legal_hold_placed",
        actor=principal,
        object_type="case",
        object_id=case.id,
        district=district,
        detail={"hold": str(hold.id), "case": case.number},
    )
    return _read(hold, case.number)


async def release(
    session: AsyncSession, principal: Principal, hold_id: uuid.UUID, data: HoldRelease
) -> HoldRead:
    district = officer_district(principal)
    hold = await retention_repo.get_hold(session, district, hold_id)
    if hold is None:
        raise NotFound()
    case = await retention_repo.case_in_district(session, district, case_id=hold.case_id)
    number = case.number if case else ""
    if hold.released_at is None:
        hold.released_at, hold.released_by = utcnow(), principal.user_id
        hold.release_reason = data.reason
        await session.flush()
        await audit.record(
            session,
            "records.legal_hold_released",
            actor=principal,
            object_type="case",
            object_id=hold.case_id,
            district=district,
            detail={"hold": str(hold.id), "case": number},
        )
    return _read(hold, number)
