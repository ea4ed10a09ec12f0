"""The public notice (公示): every round's proposed names, masked, for anyone; objections
filed without signing in while the notice runs; staff uphold (the name is withdrawn, the
nominee told why) or dismiss them, with a reason. Every step on the nomination's timeline."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from app.domain import labels
from app.domain.principal import Principal
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import N_, gettext
from app.models import Objection, ProgrammeRound
from app.models.base import utcnow
from app.repositories import programmes as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.programmes import (
    NoticeEntry,
    NoticeRead,
    ObjectionCreate,
    ObjectionDecision,
    ObjectionRead,
)
from app.services import audit
from app.services.programmes import notices as notices_out
from app.services.programmes.views import (
    OBJECTION_STATUS,
    programme_name,
    require_manager,
    round_in,
    today,
)
from app.workflow.programmes import NominationStatus, ObjectionStatus, RoundStatus, mask_name

# An ended notice stays on the page this long, with the names withdrawn after objections.
SHOWN_AFTER_NOTICE = timedelta(days=30)

ERR_NOTICE_CLOSED = N_("Objections to this notice are no longer accepted.")
ERR_NOT_LISTED = N_("Choose a name listed in a public notice.")
ERR_DECIDED = N_("This objection has already been decided.")


async def notices(session: AsyncSession, lang: str) -> list[NoticeRead]:
    """Every round's public notice, for anyone: the proposed names masked."""
    day = today()
    out = []
    for round_, programme in await repo.notices(session, day, day - SHOWN_AFTER_NOTICE):
        assert round_.notice_from is not None and round_.notice_until is not None
        rows = await repo.nominations(
            session,
            round_id=round_.id,
            statuses=[
                NominationStatus.PROPOSED.value,
                NominationStatus.WITHDRAWN_BY_OBJECTION.value,
                NominationStatus.AWARDED.value,
            ],
        )
        out.append(
            NoticeRead(
                round_id=round_.id,
                district_name=gettext(lang, labels.DISTRICT.get(round_.district, round_.district)),
                programme_name=programme_name(programme, lang),
                title=round_.title,
                notice_from=round_.notice_from,
                notice_until=round_.notice_until,
                open=notice_open(round_, day),
                entries=[
                    NoticeEntry(
                        nomination_id=n.id,
                        masked_name=mask_name(person.full_name),
                        organisation_name=n.organisation_name,
                        withdrawn=n.status == NominationStatus.WITHDRAWN_BY_OBJECTION.value,
                    )
                    for n, person in rows
                ],
            )
        )
    return out


def notice_open(round_: ProgrammeRound, day: date) -> bool:
    return (
        round_.status == RoundStatus.NOTICE.value
        and round_.notice_from is not None
        and round_.notice_until is not None
        and round_.notice_from <= day <= round_.notice_until
    )


async def object_to(
    session: AsyncSession, principal: Principal | None, data: ObjectionCreate
) -> uuid.UUID:
    """An objection from anyone, signed in or not, while the notice stands."""
    nomination = await repo.nomination(session, data.nomination_id)
    found = await repo.round_(session, nomination.round_id) if nomination else None
    if nomination is None or found is None or nomination.status != NominationStatus.PROPOSED.value:
        raise ValidationFailed.on_field("nomination_id", ERR_NOT_LISTED)
    if not notice_open(found[0], today()):
        raise Conflict(ERR_NOTICE_CLOSED)
    objection = Objection(
        id=uuid.uuid4(),
        nomination_id=nomination.id,
        district=nomination.district,
        objector_name=data.objector_name,
        contact=data.contact,
        grounds=data.grounds,
        status=ObjectionStatus.OPEN.value,
    )
    repo.add(session, objection)
    await session.flush()
    await audit.record(
        session,
        "programme_nomination.objection_filed",
        actor=principal,
        object_type="programme_nomination",
        object_id=nomination.id,
        detail={"objection": str(objection.id)},
        district=nomination.district,
    )
    return objection.id


def objection_read(o: Objection, lang: str) -> ObjectionRead:
    return ObjectionRead(
        id=o.id,
        nomination_id=o.nomination_id,
        objector_name=o.objector_name,
        contact=o.contact,
        grounds=o.grounds,
        status=o.status,
        status_name=gettext(lang, OBJECTION_STATUS[o.status]),
        open=o.status == ObjectionStatus.OPEN.value,
        decision_reason=o.decision_reason,
        created_at=o.created_at,
    )


async def objections(
    session: AsyncSession, principal: Principal, round_id: uuid.UUID, lang: str
) -> list[ObjectionRead]:
    district = require_manager(principal)
    await round_in(session, district, round_id)
    rows = await repo.nominations(session, round_id=round_id)
    return [
        objection_read(o, lang) for o in await repo.objections(session, [n.id for n, _ in rows])
    ]


async def decide_objection(
    session: AsyncSession,
    principal: Principal,
    objection_id: uuid.UUID,
    data: ObjectionDecision,
    lang: str,
) -> ObjectionRead:
    district = require_manager(principal)
    objection = await repo.objection(session, objection_id, district)
    if objection is None:
        raise NotFound()
    if objection.status != ObjectionStatus.OPEN.value:
        raise Conflict(ERR_DECIDED)
    nomination = await repo.nomination(session, objection.nomination_id, lock=True)
    assert nomination is not None
    objection.status = (ObjectionStatus.UPHELD if data.uphold else ObjectionStatus.DISMISSED).value
    objection.decision_reason = data.reason
    objection.decided_by_user_id = principal.user_id
    objection.decided_at = utcnow()
    if data.uphold and nomination.status == NominationStatus.PROPOSED.value:
        nomination.status = NominationStatus.WITHDRAWN_BY_OBJECTION.value
        found = await repo.round_(session, nomination.round_id)
        assert found is not None
        await notices_out.tell(
            session, nomination, found[1], "programme.withdrawn", decision_reason=data.reason
        )
    await session.flush()
    await audit.record(
        session,
        "programme_nomination.objection_upheld"
        if data.uphold
        else "programme_nomination.objection_dismissed",
        actor=principal,
        object_type="programme_nomination",
        object_id=nomination.id,
        detail={"objection": str(objection.id), "reason": data.reason},
        district=district,
    )
    return objection_read(objection, lang)
