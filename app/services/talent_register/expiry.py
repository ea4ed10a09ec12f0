"""The daily round that ends a membership's benefits at the right date (issue 16, point 4).

A register entry counts through its last valid day (``valid_until``, inclusive); from the next
day the rules no longer read it (``repositories.talent_register.valid_on``). This round does
the rest, once per entry and ``valid_until``:

- ``WARN_DAYS`` before the end (assumed: nothing published fixes a notice period), the person
  is told their membership ends and what ends with it, unless another entry of the same
  programme continues it;
- the day after the end, the award's grant instalments dated after the last valid day and not
  yet with the bank are cancelled (the payment run never takes them anyway:
  ``repositories.grants._due``), and the person is told;
- a Yangpu service card of the programme class whose holder has no other listed membership
  left is flagged (``basis_ended_on``), not revoked. The card rules give revocation to the
  talent office as a decision with a reason the holder is told and may contest; the round
  flags the card and tells the holder, and the office decides (least surprise: a card is never
  withdrawn by a date alone, while its other ground, a senior title, may still hold).

Idempotent: each entry records the ``valid_until`` it was warned of and ended for, and every
notice has a dedup key, so a second run sends nothing twice. Chunked: each chunk of
``CHUNK`` entries is its own transaction.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from app.models import TalentRegisterEntry
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import service_cards as cards_repo
from app.repositories import talent_register as repo
from app.repositories.unit_of_work import AsyncSession, async_sessionmaker
from app.services import audit, award_payments, notifications
from app.services.certified_talent import high_level_programmes
from app.services.talent_register.views import programme_name
from app.workflow.service_cards import CardLevel, CardStatus

log = logging.getLogger(__name__)

# Assumed: the person hears of the end this many days before it (as for the service card).
WARN_DAYS = 30
# How far back the round catches up after the worker was stopped; older ends were handled
# (or predate the round) and send nothing now.
CATCH_UP_DAYS = 30
CHUNK = 500


def _programme(entry: TalentRegisterEntry) -> dict[str, str]:
    return {
        "zh": programme_name(entry.programme, "zh"),
        "en": programme_name(entry.programme, "en"),
    }


async def _tell(
    session: AsyncSession, entry: TalentRegisterEntry, template: str, extra: dict[str, object]
) -> None:
    person = await accounts_repo.get_applicant_by_id(session, entry.applicant_id)
    if person is None:
        return
    assert entry.valid_until is not None
    await notifications.enqueue(
        session,
        recipient_user_id=person.user_id,
        template=template,
        payload={"programme": _programme(entry), "valid_until": entry.valid_until, **extra},
        language=person.user.language,
        dedup_key=f"talent_register:{entry.id.hex}:{template}:{entry.valid_until}",
        read_back=False,
    )


async def warn_chunk(session: AsyncSession, day: date) -> int:
    """Warns of the next chunk of memberships ending within ``WARN_DAYS``; returns how many
    entries it handled (fewer than ``CHUNK``: none are left)."""
    entries = await repo.ending_unwarned(session, day, day + timedelta(days=WARN_DAYS), CHUNK)
    for entry in entries:
        assert entry.valid_until is not None
        entry.expiry_warned_for = entry.valid_until
        after = entry.valid_until + timedelta(days=1)
        if await repo.members_of(session, [entry.applicant_id], [entry.programme], after):
            continue  # renewed or continued by another entry: nothing ends
        await _tell(session, entry, "talent_register.expiring", {})
    await session.flush()
    return len(entries)


async def _flag_card(session: AsyncSession, entry: TalentRegisterEntry, day: date) -> None:
    assert entry.valid_until is not None
    listed = high_level_programmes(day)
    if entry.programme not in listed:
        return
    if await repo.members_of(session, [entry.applicant_id], listed, day):
        return  # another listed membership still holds: the card keeps its basis
    card = await cards_repo.active_of(session, entry.applicant_id)
    if (
        card is None
        or CardStatus(card.status) is not CardStatus.ACTIVE
        or card.level != CardLevel.PROGRAMME.value
        or card.basis_ended_on is not None
    ):
        return
    card.basis_ended_on = entry.valid_until
    card.version += 1
    await audit.record(
        session,
        "service_card.basis_ended",
        actor=None,
        object_type="service_card",
        object_id=card.id,
        detail={"register_entry": str(entry.id), "valid_until": str(entry.valid_until)},
        district=card.district,
    )


async def end_chunk(session: AsyncSession, day: date) -> int:
    """Ends the benefits of the next chunk of memberships whose last valid day has passed."""
    entries = await repo.ended_unprocessed(session, day - timedelta(days=CATCH_UP_DAYS), day, CHUNK)
    now = utcnow()
    for entry in entries:
        assert entry.valid_until is not None
        entry.expiry_ended_for = entry.valid_until
        cancelled = await award_payments.current().end_after(session, entry, entry.valid_until, now)
        await _flag_card(session, entry, day)
        await audit.record(
            session,
            "talent_register.benefits_ended",
            actor=None,
            object_type="talent_register_entry",
            object_id=entry.id,
            detail={
                "valid_until": str(entry.valid_until),
                "instalments_cancelled": [str(g.id) for g in cancelled],
            },
            district=entry.district,
        )
        if await repo.members_of(session, [entry.applicant_id], [entry.programme], day):
            continue  # continued by another entry of the programme: no notice of an end
        if cancelled:
            await _tell(
                session, entry, "talent_register.expired_instalments", {"count": len(cancelled)}
            )
        else:
            await _tell(session, entry, "talent_register.expired", {})
    await session.flush()
    return len(entries)


async def run_due(sessionmaker: async_sessionmaker[AsyncSession], day: date) -> tuple[int, int]:
    """The worker's daily round: (entries warned, entries ended), chunk by chunk."""
    totals = [0, 0]
    for slot, step in enumerate((warn_chunk, end_chunk)):
        while True:
            async with sessionmaker() as session, session.begin():
                done = await step(session, day)
            totals[slot] += done
            if done < CHUNK:
                break
    log.info("talent register expiry round: %s warned, %s ended", *totals)
    return totals[0], totals[1]
