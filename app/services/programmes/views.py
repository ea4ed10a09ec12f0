"""How programme rounds and nominations read: names in the reader's language, the status
names, the timeline from the audit trail, and who may act (the gates every use case starts
with)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from app.domain import labels
from app.domain.enums import Permission, UserKind
from app.domain.principal import Principal
from app.errors import NotFound, PermissionDenied
from app.i18n import N_, gettext
from app.models import (
    Applicant,
    AuditEntry,
    Nomination,
    Programme,
    ProgrammeRound,
    ReviewerAssignment,
)
from app.models.base import utcnow
from app.repositories import programmes as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.programmes import (
    NominationRead,
    ProgrammeRead,
    ReasonRead,
    RoundRead,
    TimelineRead,
)
from app.workflow.programmes import NominationStatus, RoundStatus
from app.workflow.values import local_date

ROUND_STATUS = {
    RoundStatus.OPEN.value: N_("Open for nominations"),
    RoundStatus.DECIDED.value: N_("Decided by the committee"),
    RoundStatus.NOTICE.value: N_("Public notice"),
    RoundStatus.AWARDED.value: N_("Awarded"),
}
NOMINATION_STATUS = {
    NominationStatus.IN_REVIEW.value: N_("Being reviewed"),
    NominationStatus.PROPOSED.value: N_("Proposed for the award (public notice)"),
    NominationStatus.NOT_SELECTED.value: N_("Not selected"),
    NominationStatus.WITHDRAWN_BY_OBJECTION.value: N_("Withdrawn after an upheld objection"),
    NominationStatus.AWARDED.value: N_("Awarded"),
}
OBJECTION_STATUS = {
    "open": N_("Being considered"),
    "upheld": N_("Upheld"),
    "dismissed": N_("Dismissed"),
}
TIE_RULES = {
    "heaviest_criterion": N_("tie split by the heaviest criterion"),
    "spread": N_("tie split by the closer agreement of the reviewers"),
    "filed_earlier": N_("tie split by the earlier nomination"),
}
TIMELINE_ACTIONS = {
    "programme_nomination.filed": N_("Nomination filed and found eligible"),
    "programme_nomination.assigned": N_("Given to a reviewer"),
    "programme_nomination.assignment_refused": N_("Reviewer refused: conflict of interest"),
    "programme_nomination.scored": N_("A reviewer submitted a score"),
    "programme_nomination.ranked": N_("Ranked by the committee"),
    "programme_nomination.proposed": N_("Proposed for the award by the committee"),
    "programme_nomination.not_selected": N_("Not selected by the committee"),
    "programme_nomination.notice": N_("Listed in the public notice"),
    "programme_nomination.objection_filed": N_("An objection was filed"),
    "programme_nomination.objection_upheld": N_("An objection was upheld: withdrawn"),
    "programme_nomination.objection_dismissed": N_("An objection was dismissed"),
    "programme_nomination.awarded": N_("Awarded and recorded in the talent register"),
}


def today() -> date:
    return local_date(utcnow())


def require_manager(principal: Principal) -> str:
    """The district whose rounds a district admin manages (and sits for the committee of)."""
    if not principal.can(Permission.MANAGE_PROGRAMMES) or principal.district is None:
        raise PermissionDenied()
    return principal.district


def require_reviewer(principal: Principal) -> str:
    if (
        not principal.can(Permission.SCORE_NOMINATIONS)
        or principal.district is None
        or principal.staff_id is None
    ):
        raise PermissionDenied()
    return principal.district


def staff_district(principal: Principal) -> str | None:
    return principal.district if principal.kind is UserKind.STAFF else None


def programme_name(programme: Programme, lang: str) -> str:
    return programme.name_en if lang == "en" else programme.name_zh


def programme_read(programme: Programme, lang: str) -> ProgrammeRead:
    return ProgrammeRead(
        id=programme.id,
        district=programme.district,
        code=programme.code,
        name=programme_name(programme, lang),
        register_code=programme.register_code,
        plan_quota=programme.plan_quota,
        quota_status=programme.quota_status,
        quota_basis=programme.quota_basis,
        policy_id=programme.policy_id,
        self_nomination=programme.self_nomination,
    )


def accepting(round_: ProgrammeRound, day: date) -> bool:
    return round_.status == RoundStatus.OPEN.value and round_.opens_on <= day <= round_.closes_on


def round_read(round_: ProgrammeRound, programme: Programme, lang: str) -> RoundRead:
    return RoundRead(
        id=round_.id,
        district=round_.district,
        district_name=gettext(lang, labels.DISTRICT.get(round_.district, round_.district)),
        programme=programme_read(programme, lang),
        title=round_.title,
        quota=round_.quota,
        quota_assumed=round_.quota_assumed,
        opens_on=round_.opens_on,
        closes_on=round_.closes_on,
        policy_id=round_.policy_id,
        criteria=round_.criteria,
        reviewers_per_nomination=round_.reviewers_per_nomination,
        grant_amount=round_.grant_amount,
        grant_assumed=round_.grant_assumed,
        award_title=round_.award_title_en if lang == "en" else round_.award_title_zh,
        valid_years=round_.valid_years,
        notice_days=round_.notice_days,
        notice_from=round_.notice_from,
        notice_until=round_.notice_until,
        status=round_.status,
        status_name=gettext(lang, ROUND_STATUS[round_.status]),
        accepting=accepting(round_, today()),
        scoring=round_.status == RoundStatus.OPEN.value,
        may_publish=round_.status == RoundStatus.DECIDED.value,
        may_award=round_.status == RoundStatus.NOTICE.value,
    )


def reasons(nomination: Nomination) -> list[ReasonRead]:
    return [ReasonRead(**r) for r in nomination.eligibility.get("reasons", [])]


def timeline(entries: Sequence[AuditEntry], lang: str) -> list[TimelineRead]:
    return [
        TimelineRead(
            at=e.occurred_at,
            action=e.action,
            action_name=gettext(lang, TIMELINE_ACTIONS.get(e.action, e.action)),
            # Reviewers' identities and scores stay off the timeline the nominee reads.
            detail={k: v for k, v in (e.detail or {}).items() if k in _PUBLIC_DETAIL},
        )
        for e in entries
        # Drafts and refused reads are the reviewers' own business, not the nominee's timeline.
        if e.action in TIMELINE_ACTIONS
    ]


_PUBLIC_DETAIL = frozenset({"rank", "reason", "status", "notice_until"})


def scores_shown(principal: Principal, round_: ProgrammeRound) -> bool:
    """The total and rank are sealed while the round is open: with one review submitted the
    "mean" is that reviewer's own score, and the order moves with every review. The committee
    (the district's programme managers) reads them at any stage; the reviewers, the nominee
    and the organisation once the committee has decided, the step at which the nominees are
    told the outcome and the figures are fixed."""
    return principal.can(Permission.MANAGE_PROGRAMMES) or round_.status != RoundStatus.OPEN.value


def nomination_read(
    nomination: Nomination,
    person: Applicant,
    round_: ProgrammeRound,
    programme: Programme,
    reviews: Sequence[ReviewerAssignment],
    lang: str,
    entries: Sequence[AuditEntry] = (),
    *,
    reader: Principal,
) -> NominationRead:
    shown = scores_shown(reader, round_)
    return NominationRead(
        id=nomination.id,
        round_id=round_.id,
        round_title=round_.title,
        programme_name=programme_name(programme, lang),
        district=nomination.district,
        person_name=person.full_name,
        id_number_masked=person.id_number_masked,
        organisation_name=nomination.organisation_name,
        self_nominated=nomination.employer_id is None,
        statement=nomination.statement,
        facts=nomination.facts,
        eligibility=reasons(nomination),
        status=nomination.status,
        status_name=gettext(lang, NOMINATION_STATUS[nomination.status]),
        total_score=nomination.total_score if shown else None,
        rank=nomination.rank if shown else None,
        decision_note=nomination.decision_note,
        awarded_on=nomination.awarded_on,
        register_entry_id=nomination.register_entry_id,
        reviewers=len(reviews),
        timeline=timeline(entries, lang),
    )


async def round_in(
    session: AsyncSession, district: str, round_id: uuid.UUID
) -> tuple[ProgrammeRound, Programme]:
    """The district's round, locked for the step that changes it; another's is not found."""
    found = await repo.round_(session, round_id, district, lock=True)
    if found is None:
        raise NotFound()
    return found
