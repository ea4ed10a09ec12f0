"""From scores to the award: the committee's ranking (tie rules in app/workflow/programmes.py),
its decision within the quota, the public notice (公示) published for the round's number of
working days on the city calendar (objections: public_notice.py), and the final award, which
writes each talent register entry once however often it is run."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from app.domain.principal import Principal
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import N_, gettext
from app.models import Nomination, ProgrammeRound
from app.repositories import accounts as accounts_repo
from app.repositories import programmes as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.programmes import (
    DecisionIn,
    RankedRead,
)
from app.services import audit
from app.services import calendar as calendar_service
from app.services.programmes import notices as notices_out
from app.services.programmes.views import (
    NOMINATION_STATUS,
    TIE_RULES,
    require_manager,
    round_in,
    today,
)
from app.services.talent_register.awards import record_award
from app.workflow.organisations import OrganisationStatus
from app.workflow.programmes import (
    NominationStatus,
    ObjectionStatus,
    RoundStatus,
    Scored,
    heaviest,
    rank,
    sheet,
)

ERR_OVER_QUOTA = N_("The committee may propose at most {quota} names in this round.")
ERR_NOT_RANKED = N_("Only ranked nominations of this round can be proposed.")
ERR_STAGE = N_("This step is not possible at the round's present stage.")
ERR_NOTICE_RUNNING = N_("The public notice runs until {until}; the award follows it.")
ERR_OPEN_OBJECTIONS = N_("Decide every objection before the award.")
ERR_WINDOW_OPEN = N_(
    "Nominations are accepted until {closes}: the committee decides after the window closes."
)
NOT_SELECTED_REASON = N_(
    "the committee proposed other nominations, ranked by the reviewers' scores, within the "
    "round's quota"
)


async def _ranked(
    session: AsyncSession, round_: ProgrammeRound, lang: str
) -> tuple[list[RankedRead], dict[uuid.UUID, Nomination]]:
    """The round's ranking as it stands, computed and written nowhere."""
    rows = await repo.nominations(session, round_id=round_.id)
    reviews = await repo.assignments(session, [n.id for n, _ in rows])
    top = heaviest(sheet(round_.criteria)).code
    scored = []
    for nomination, _person in rows:
        done = [r for r in reviews if r.nomination_id == nomination.id and r.submitted_at]
        scored.append(
            Scored(
                str(nomination.id),
                nomination.created_at,
                tuple(r.total for r in done if r.total is not None),
                tuple(int(r.scores.get(top, 0)) for r in done),
            )
        )
    ranked = {r.nomination_id: r for r in rank(scored)}
    out = []
    for nomination, person in rows:
        place = ranked.get(str(nomination.id))
        if place is None:
            continue
        submitted = sum(1 for r in reviews if r.nomination_id == nomination.id and r.submitted_at)
        out.append(
            RankedRead(
                nomination_id=nomination.id,
                rank=place.rank,
                total=place.total,
                tie_rule=place.tie_rule,
                tie_rule_name=gettext(lang, TIE_RULES[place.tie_rule]) if place.tie_rule else None,
                person_name=person.full_name,
                organisation_name=nomination.organisation_name,
                reviews_submitted=submitted,
                reviews_needed=round_.reviewers_per_nomination,
                status=nomination.status,
                status_name=gettext(lang, NOMINATION_STATUS[nomination.status]),
            )
        )
    out.sort(key=lambda r: r.rank)
    return out, {n.id: n for n, _ in rows}


async def ranking(
    session: AsyncSession, principal: Principal, round_id: uuid.UUID, lang: str
) -> list[RankedRead]:
    """The committee's view of the ranking. Reading it changes nothing: the ranks and totals
    are written to the nominations (which their readers see) only by the decision."""
    district = require_manager(principal)
    found = await repo.round_(session, round_id, district)
    if found is None:
        raise NotFound()
    return (await _ranked(session, found[0], lang))[0]


async def decide(
    session: AsyncSession, principal: Principal, round_id: uuid.UUID, data: DecisionIn, lang: str
) -> list[RankedRead]:
    """The committee proposes names within the quota, from those every reviewer has scored,
    once the application window has closed; the ranks and totals it decided on are kept."""
    district = require_manager(principal)
    round_, programme = await round_in(session, district, round_id)
    if round_.status != RoundStatus.OPEN.value:
        raise Conflict(ERR_STAGE)
    if today() <= round_.closes_on:
        raise Conflict(ERR_WINDOW_OPEN, params={"closes": round_.closes_on.isoformat()})
    ranked, by_id = await _ranked(session, round_, lang)
    complete = {r.nomination_id for r in ranked if r.reviews_submitted >= r.reviews_needed}
    chosen = set(data.proposed)
    if len(chosen) > round_.quota:
        raise ValidationFailed.on_field("proposed", ERR_OVER_QUOTA, quota=round_.quota)
    if not chosen <= complete:
        raise ValidationFailed.on_field("proposed", ERR_NOT_RANKED)
    for place in ranked:
        by_id[place.nomination_id].rank = place.rank
        by_id[place.nomination_id].total_score = place.total
    await audit.record(
        session,
        "programme_round.ranked",
        actor=principal,
        object_type="programme_round",
        object_id=round_.id,
        detail={"ranked": len(ranked)},
        district=district,
    )
    # A refusal gives its reason: the committee's note, else why anyone is left out.
    reason: str | dict[str, str] = data.note or {"msgid": NOT_SELECTED_REASON}
    for nomination in by_id.values():
        proposed = nomination.id in chosen
        nomination.status = (
            NominationStatus.PROPOSED if proposed else NominationStatus.NOT_SELECTED
        ).value
        nomination.decision_note = data.note
        if not proposed:
            await notices_out.tell(
                session, nomination, programme, "programme.not_selected", decision_reason=reason
            )
        await audit.record(
            session,
            "programme_nomination.proposed" if proposed else "programme_nomination.not_selected",
            actor=principal,
            object_type="programme_nomination",
            object_id=nomination.id,
            detail={"rank": nomination.rank},
            district=district,
        )
    round_.status = RoundStatus.DECIDED.value
    await session.flush()
    return (await _ranked(session, round_, lang))[0]


async def publish_notice(
    session: AsyncSession, principal: Principal, round_id: uuid.UUID
) -> tuple[date, date]:
    """Puts the proposed names on the public notice from today for the round's working days."""
    district = require_manager(principal)
    round_, programme = await round_in(session, district, round_id)
    if round_.status != RoundStatus.DECIDED.value:
        raise Conflict(ERR_STAGE)
    calendar = await calendar_service.work_calendar(session)
    start = today()
    round_.notice_from = start
    round_.notice_until = calendar.add_working_days(start, round_.notice_days)
    round_.status = RoundStatus.NOTICE.value
    await session.flush()
    for nomination, _person in await repo.nominations(
        session, round_id=round_.id, statuses=[NominationStatus.PROPOSED.value]
    ):
        await audit.record(
            session,
            "programme_nomination.notice",
            actor=principal,
            object_type="programme_nomination",
            object_id=nomination.id,
            detail={"notice_until": round_.notice_until.isoformat()},
            district=district,
        )
        await notices_out.tell(
            session, nomination, programme, "programme.proposed", notice_until=round_.notice_until
        )
    return start, round_.notice_until


def _valid_until(granted: date, years: int | None) -> date | None:
    """The last valid day of N years from the award's day: the day before its N-th
    anniversary (an award of 29 February has its anniversary on 1 March)."""
    if years is None:
        return None
    try:
        anniversary = granted.replace(year=granted.year + years)
    except ValueError:
        anniversary = date(granted.year + years, 3, 1)
    return anniversary - timedelta(days=1)


async def _verified_organisation(
    session: AsyncSession, district: str, nomination: Nomination
) -> str | None:
    """The nominating organisation when it is still a verified one of the district. One that
    has resubmitted its details since (pending again) or left is not named on the award: the
    person's award does not wait for the organisation's check."""
    if nomination.employer_id is None:
        return None
    organisation = await accounts_repo.get_employer(session, nomination.employer_id)
    if (
        organisation is None
        or organisation.district != district
        or organisation.status != OrganisationStatus.VERIFIED.value
    ):
        return None
    return str(organisation.id)


async def award(session: AsyncSession, principal: Principal, round_id: uuid.UUID) -> int:
    """Awards every name still proposed once the notice has run and its objections are
    decided; a nomination already awarded is left as it is, so running it again adds nothing.
    The number awarded by this call."""
    district = require_manager(principal)
    round_, programme = await round_in(session, district, round_id)
    if round_.status == RoundStatus.AWARDED.value:
        return 0
    if round_.status != RoundStatus.NOTICE.value or round_.notice_until is None:
        raise Conflict(ERR_STAGE)
    day = today()
    if day <= round_.notice_until:
        raise Conflict(ERR_NOTICE_RUNNING, params={"until": round_.notice_until.isoformat()})
    rows = await repo.nominations(session, round_id=round_.id)
    if any(
        o.status == ObjectionStatus.OPEN.value
        for o in await repo.objections(session, [n.id for n, _ in rows])
    ):
        raise Conflict(ERR_OPEN_OBJECTIONS)
    awarded = 0
    for nomination, _person in rows:
        if nomination.status != NominationStatus.PROPOSED.value:
            continue
        organisation_id = await _verified_organisation(session, district, nomination)
        entry = await record_award(
            session,
            district=district,
            applicant_id=str(nomination.applicant_id),
            programme=programme.register_code,
            level=None,
            granted=day,
            valid_until=_valid_until(day, round_.valid_years),
            organisation_id=organisation_id,
            # Rounds opened before whole yuan were required may hold 0: no grant.
            grant_amount=round_.grant_amount or None,
            reference=f"programme_nomination:{nomination.id}",
            actor=principal,
        )
        nomination.status = NominationStatus.AWARDED.value
        nomination.awarded_on = day
        nomination.register_entry_id = entry.id
        awarded += 1
        await audit.record(
            session,
            "programme_nomination.awarded",
            actor=principal,
            object_type="programme_nomination",
            object_id=nomination.id,
            detail={
                "register_entry": str(entry.id),
                **(
                    {"organisation_not_verified": str(nomination.employer_id)}
                    if nomination.employer_id and organisation_id is None
                    else {}
                ),
            },
            district=district,
        )
    round_.status = RoundStatus.AWARDED.value
    await session.flush()
    return awarded
