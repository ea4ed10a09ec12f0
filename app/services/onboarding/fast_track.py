"""Fast track for urgently needed talent (issue 18, point 3; Changning: 紧缺急需人才工作许可审批
便利). The hire's own verified employer nominates them with the shortage field and a reason;
the district's talent office endorses or declines, with its reason. The endorsement is shown
on the bundle's steps beside the employer's work-permit hand-off, for the employer to cite in
the national system. A second nomination finds the first (nothing new is written or sent)."""

from __future__ import annotations

import uuid

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import Conflict, PermissionDenied
from app.i18n import N_
from app.models import Case, OnboardingFastTrack
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import onboarding_decisions as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.onboarding_decisions import FastTrackDecision, FastTrackNomination
from app.services import audit
from app.services.onboarding.decision_records import bundle, in_talent_office, on_timeline, tell
from app.services.onboarding.progress import is_employer_of
from app.workflow.onboarding_decisions import (
    FAST_TRACK_DISTRICTS,
    FAST_TRACK_TIMELINE,
    FastTrackStatus,
    may_decide_fast_track,
)
from app.workflow.organisations import OrganisationStatus
from app.workflow.states import ActorRole, CaseStatus

ERR_NOT_OFFERED = N_(
    "The fast track for urgently needed talent is a Changning measure; this district does not "
    "offer it."
)
ERR_NOT_EMPLOYER = N_("Only the verified employer named on this onboarding nominates its hire.")
ERR_ENDED = N_("A finished or withdrawn onboarding cannot be nominated for the fast track.")
ERR_NOT_NOMINATED = N_("The employer has not nominated this person for the fast track.")
ERR_DECIDED = N_("The district has already decided on this nomination.")
ERR_NOT_DECIDER = N_("Only an approver of the district's talent office decides a nomination.")


def offered(case: Case) -> bool:
    return case.district in FAST_TRACK_DISTRICTS


async def nominate(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, data: FastTrackNomination
) -> OnboardingFastTrack:
    """The verified employer named on the bundle nominates its hire; idempotent."""
    case, service, _record = await bundle(session, principal, case_id)
    if not is_employer_of(principal, case):
        raise PermissionDenied(ERR_NOT_EMPLOYER)
    organisation = await accounts_repo.get_employer(session, principal.employer_id)
    if organisation is None or OrganisationStatus(organisation.status) is not (
        OrganisationStatus.VERIFIED
    ):
        raise PermissionDenied(ERR_NOT_EMPLOYER)
    if not offered(case):
        raise Conflict(ERR_NOT_OFFERED)
    existing = await repo.fast_track_of(session, case.id)
    if existing is not None:
        return existing
    if CaseStatus(case.status) in CaseStatus.FINAL:
        raise Conflict(ERR_ENDED)
    now = utcnow()
    row = OnboardingFastTrack(
        case_id=case.id,
        employer_id=organisation.id,
        shortage_field=data.shortage_field,
        reason=data.reason,
        nominated_by=principal.user_id,
        nominated_at=now,
        status=FastTrackStatus.NOMINATED.value,
    )
    await repo.add(session, row)
    await audit.record(
        session,
        "onboarding.fast_track_nominated",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"shortage_field": data.shortage_field, "organisation": str(organisation.id)},
        district=case.district,
    )
    on_timeline(
        session,
        case,
        principal,
        action="fast_track_nominated",
        role=ActorRole.EMPLOYER,
        reason=FAST_TRACK_TIMELINE[FastTrackStatus.NOMINATED],
        now=now,
        detail={"shortage_field": data.shortage_field},
    )
    await tell(
        session,
        case,
        service,
        template="onboarding.fast_track_nominated",
        values={"organisation_name": organisation.name},
        key="fast_track:nominated",
    )
    return row


async def decide(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, data: FastTrackDecision
) -> OnboardingFastTrack:
    """The talent office endorses the nomination or declines it, with its reason."""
    if not in_talent_office(principal, Permission.APPROVE_CASES):
        raise PermissionDenied(ERR_NOT_DECIDER)
    case, service, _record = await bundle(session, principal, case_id)
    row = await repo.fast_track_of(session, case.id)
    if row is None:
        raise Conflict(ERR_NOT_NOMINATED)
    if not may_decide_fast_track(FastTrackStatus(row.status)):
        raise Conflict(ERR_DECIDED)
    outcome = FastTrackStatus(data.decision)
    now = utcnow()
    row.status = outcome.value
    row.decided_by = principal.user_id
    row.decided_at = now
    row.decision_reason = data.reason
    await session.flush()
    await audit.record(
        session,
        f"onboarding.fast_track_{outcome.value}",
        actor=principal,
        object_type="case",
        object_id=case.id,
        detail={"reason": data.reason},
        district=case.district,
    )
    on_timeline(
        session,
        case,
        principal,
        action=f"fast_track_{outcome.value}",
        role=ActorRole.APPROVER,
        reason=f"{FAST_TRACK_TIMELINE[outcome]}: {data.reason}",
        now=now,
        detail={},
    )
    template = f"onboarding.fast_track_{outcome.value}"
    await tell(
        session,
        case,
        service,
        template=template,
        values={"reason": data.reason},
        key=f"fast_track:{outcome.value}",
        employer_template=template,
    )
    return row
