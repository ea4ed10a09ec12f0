"""Destruction lists: the worker proposes the cases whose retention has ended, one records
officer reviews and submits the list, another approves it (four eyes: whoever submitted the
list or removed an item from it may not approve), and approval destroys the listed cases.

Records officers see their own district's lists only; another district's list is not found.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, timedelta

from app.domain.enums import District, Permission
from app.domain.principal import Principal
from app.errors import Conflict, NotFound, PermissionDenied
from app.i18n import N_, gettext, localized
from app.models import DestructionList, DestructionListItem
from app.models.base import utcnow
from app.repositories import catalog as catalog_repo
from app.repositories import retention as retention_repo
from app.repositories.unit_of_work import AsyncSession, async_sessionmaker
from app.schemas.retention import ItemRead, ItemRemoval, ListRead, ListSummary
from app.services import audit
from app.services.retention import destruction
from app.services.retention.rules import case_retention
from app.workflow.retention import (
    DECISION_STATUSES,
    DESTRUCTION_LISTS,
    LIST_STATUS_LABELS,
    RESULT_LABELS,
    CaseResult,
    DestructionItemStatus,
    DestructionListEvent,
    DestructionListStatus,
    due_for_destruction,
)
from app.workflow.states import CaseStatus
from app.workflow.values import local_date

log = logging.getLogger(__name__)

# A case an officer took off a list is not proposed again for this long (assumed: a year gives
# the reason given time to be settled, e.g. a complaint or an appeal window).
REPROPOSE_AFTER = timedelta(days=365)

_OPEN = [s.value for s in DestructionListStatus.OPEN]
_FINAL_CASES = [s.value for s in CaseStatus.FINAL]
_ON_A_LIST = [DestructionItemStatus.LISTED.value, DestructionItemStatus.DESTROYED.value]


class FourEyes(Conflict):
    code = "four_eyes"
    default_detail = N_(
        "You submitted or edited this list, so another records officer must approve it."
    )


class NothingToDestroy(Conflict):
    code = "empty_destruction_list"
    default_detail = N_("Every case was taken off this list; there is nothing to approve.")


def officer_district(principal: Principal) -> str:
    if not principal.can(Permission.MANAGE_RECORDS) or not principal.district:
        raise PermissionDenied()
    return principal.district


# --- The worker's proposal -------------------------------------------------------------------


async def propose(session: AsyncSession, district: str, today: date) -> DestructionList | None:
    """Adds the district's cases whose retention ended before ``today`` to its draft list
    (started if there is none). A list already submitted is left as reviewed: the cases wait
    for the next list. Returns the draft, or None when nothing was proposed."""
    existing = await retention_repo.open_list(session, district, _OPEN, for_update=True)
    if existing is not None and existing.status != DestructionListStatus.DRAFT.value:
        return None
    rows = await retention_repo.candidates(session, district, _FINAL_CASES, _ON_A_LIST)
    ids = [case.id for case, _service in rows]
    decided = await retention_repo.decided_at(session, ids, [s.value for s in DECISION_STATUSES])
    recent = await retention_repo.removed_since(
        session, ids, utcnow() - REPROPOSE_AFTER, DestructionItemStatus.REMOVED.value
    )
    due = []
    for case, service in rows:
        if case.id in recent:
            continue
        found = await case_retention(session, case, service, decided.get(case.id))
        if found is None or not due_for_destruction(found.rule, found.runs_from, today):
            continue
        assert found.runs_from is not None and found.until is not None
        due.append((case, service, found))
    if not due:
        return existing
    listing = existing or await _new_list(session, district, today)
    for case, service, found in due:
        session.add(
            DestructionListItem(
                list_id=listing.id,
                case_id=case.id,
                case_number=case.number,
                district=district,
                service_code=service.code,
                result=found.result.value,
                submitted_on=local_date(case.submitted_at),
                decided_on=local_date(found.decided_at),
                retention_from=found.runs_from,
                retention_until=found.until,
            )
        )
    await audit.record(
        session,
        "records.destruction_proposed",
        object_type="destruction_list",
        object_id=listing.id,
        district=district,
        detail={"list": listing.number, "added": len(due)},
    )
    await session.flush()
    return listing


async def _new_list(session: AsyncSession, district: str, today: date) -> DestructionList:
    n = await retention_repo.lists_this_year(session, district, today.year)
    listing = DestructionList(
        number=f"XH-{district[:2].upper()}-{today.year}-{n + 1:04d}",
        district=district,
        status=DestructionListStatus.DRAFT.value,
        handled_by=[],
    )
    session.add(listing)
    await session.flush()
    return listing


# The Shanghai day this process last proposed: the worker's round runs every few seconds, the
# proposal (a pass over the district's closed cases) once a day. Another worker process doing it
# too adds nothing: a case already on a list is not proposed again.
_proposed_on: dict[str, date] = {}


async def run_due(sessionmaker: async_sessionmaker[AsyncSession], today: date) -> int:
    """The worker's round: once a day, each district's proposal in a transaction of its own."""
    if _proposed_on.get("day") == today:
        return 0
    _proposed_on["day"] = today
    proposed = 0
    for district in District:
        try:
            async with sessionmaker() as session, session.begin():
                if await propose(session, district.value, today) is not None:
                    proposed += 1
        except Exception:
            log.exception("destruction proposal failed for %s", district.value)
    return proposed


# --- Records officers ------------------------------------------------------------------------


async def list_summaries(
    session: AsyncSession, principal: Principal, lang: str
) -> list[ListSummary]:
    district = officer_district(principal)
    rows = await retention_repo.lists_of(session, district)
    counts = await retention_repo.item_counts(session, [r.id for r in rows])
    return [_summary(r, counts, lang) for r in rows]


def _summary(
    row: DestructionList, counts: dict[tuple[uuid.UUID, str], int], lang: str
) -> ListSummary:
    return ListSummary(
        id=row.id,
        number=row.number,
        district=row.district,
        status=row.status,
        status_label=gettext(lang, LIST_STATUS_LABELS[DestructionListStatus(row.status)]),
        proposed_at=row.proposed_at,
        listed=counts.get((row.id, DestructionItemStatus.LISTED.value), 0),
        removed=counts.get((row.id, DestructionItemStatus.REMOVED.value), 0),
        destroyed=counts.get((row.id, DestructionItemStatus.DESTROYED.value), 0),
    )


async def _load(
    session: AsyncSession, principal: Principal, list_id: uuid.UUID, *, for_update: bool = False
) -> DestructionList:
    district = officer_district(principal)
    row = await retention_repo.get_list(session, district, list_id, for_update=for_update)
    if row is None:
        raise NotFound()
    return row


async def list_view(
    session: AsyncSession, principal: Principal, list_id: uuid.UUID, lang: str
) -> ListRead:
    row = await _load(session, principal, list_id)
    items = await retention_repo.items_of(session, row.id)
    counts: dict[tuple[uuid.UUID, str], int] = {}
    for item in items:
        counts[(row.id, item.status)] = counts.get((row.id, item.status), 0) + 1
    names = {
        s.code: localized(s, "name", lang)
        for s in await catalog_repo.list_for_district(session, row.district)
    }
    status = DestructionListStatus(row.status)
    mine = str(principal.user_id) in row.handled_by
    listed = counts.get((row.id, DestructionItemStatus.LISTED.value), 0)
    return ListRead(
        **_summary(row, counts, lang).model_dump(),
        submitted_at=row.submitted_at,
        approved_at=row.approved_at,
        destroyed_at=row.destroyed_at,
        certificate_sha256=row.certificate_sha256,
        handled_by_me=mine,
        can_submit=DESTRUCTION_LISTS.allows(status, DestructionListEvent.SUBMIT) and listed > 0,
        can_approve=DESTRUCTION_LISTS.allows(status, DestructionListEvent.APPROVE)
        and not mine
        and listed > 0,
        can_remove=status in DestructionListStatus.OPEN,
        items=[
            ItemRead(
                id=i.id,
                case_id=i.case_id,
                case_number=i.case_number,
                service_code=i.service_code,
                service_name=names.get(i.service_code, i.service_code),
                result=i.result,
                result_label=gettext(lang, RESULT_LABELS[CaseResult(i.result)]),
                submitted_on=i.submitted_on,
                decided_on=i.decided_on,
                retention_from=i.retention_from,
                retention_until=i.retention_until,
                status=i.status,
                removed_reason=i.removed_reason,
                removed_at=i.removed_at,
                destroyed_at=i.destroyed_at,
            )
            for i in items
        ],
    )


def _handled(row: DestructionList, principal: Principal) -> None:
    who = str(principal.user_id)
    if who not in row.handled_by:
        row.handled_by = [*row.handled_by, who]


async def submit(
    session: AsyncSession, principal: Principal, list_id: uuid.UUID, lang: str
) -> ListRead:
    """The officer has reviewed the list and asks another to approve it."""
    row = await _load(session, principal, list_id, for_update=True)
    if row.status == DestructionListStatus.SUBMITTED.value and str(principal.user_id) in (
        row.handled_by
    ):
        return await list_view(session, principal, list_id, lang)  # a second click
    row.status = DESTRUCTION_LISTS.advance(row.status, DestructionListEvent.SUBMIT).value
    if not await _listed(session, row):
        raise NothingToDestroy()
    row.submitted_by, row.submitted_at = principal.user_id, utcnow()
    _handled(row, principal)
    await audit.record(
        session,
        "records.destruction_submitted",
        actor=principal,
        object_type="destruction_list",
        object_id=row.id,
        district=row.district,
        detail={"list": row.number},
    )
    await session.flush()
    return await list_view(session, principal, list_id, lang)


async def _listed(session: AsyncSession, row: DestructionList) -> list[DestructionListItem]:
    items = await retention_repo.items_of(session, row.id)
    return [i for i in items if i.status == DestructionItemStatus.LISTED.value]


async def remove_item(
    session: AsyncSession,
    principal: Principal,
    list_id: uuid.UUID,
    item_id: uuid.UUID,
    data: ItemRemoval,
    lang: str,
) -> ListRead:
    """Takes a case off an open list with a reason; the officer becomes one who edited it."""
    row = await _load(session, principal, list_id, for_update=True)
    if row.status not in _OPEN:
        raise DESTRUCTION_LISTS.refusal(
            DestructionListStatus(row.status), DestructionListEvent.SUBMIT
        )
    item = next(
        (i for i in await retention_repo.items_of(session, row.id) if i.id == item_id), None
    )
    if item is None:
        raise NotFound()
    if item.status == DestructionItemStatus.LISTED.value:
        item.status = DestructionItemStatus.REMOVED.value
        item.removed_reason, item.removed_by, item.removed_at = (
            data.reason,
            principal.user_id,
            utcnow(),
        )
        _handled(row, principal)
        await audit.record(
            session,
            "records.destruction_item_removed",
            actor=principal,
            object_type="destruction_list",
            object_id=row.id,
            district=row.district,
            # The reason is free text and stays on the list, out of the hash chain.
            detail={"list": row.number, "case": item.case_number},
        )
        await session.flush()
    return await list_view(session, principal, list_id, lang)


async def approve(
    session: AsyncSession, principal: Principal, list_id: uuid.UUID, lang: str
) -> ListRead:
    """A second officer approves: the listed cases are destroyed now, in this transaction."""
    row = await _load(session, principal, list_id, for_update=True)
    if row.status == DestructionListStatus.DESTROYED.value and row.approved_by == principal.user_id:
        return await list_view(session, principal, list_id, lang)  # a second click
    target = DESTRUCTION_LISTS.advance(row.status, DestructionListEvent.APPROVE)
    if str(principal.user_id) in row.handled_by:
        raise FourEyes()
    items = await _listed(session, row)
    if not items:
        raise NothingToDestroy()
    now = utcnow()
    row.status = target.value
    row.approved_by, row.approved_at = principal.user_id, now
    await destruction.destroy_list(session, principal, row, items, now)
    return await list_view(session, principal, list_id, lang)
