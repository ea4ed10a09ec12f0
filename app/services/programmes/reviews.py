"""Independent review. A reviewer (the district's ``programme_reviewer``) declares for each
round the organisations they are tied to; the committee gives each nomination to at least the
round's number of reviewers, never to one who declared the nominating organisation (refused
with a reason in both languages). Reviewers save drafts and submit once; until their own score
is submitted they cannot see anyone else's."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from app.domain.enums import Permission, Role
from app.domain.principal import Principal
from app.errors import AppError, Conflict, FieldError, NotFound, ValidationFailed
from app.i18n import N_
from app.models import Nomination, ProgrammeRound, ReviewerAssignment, ReviewerDeclaration
from app.models.base import utcnow
from app.repositories import programmes as repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.programmes import AssignIn, DeclarationIn, ReviewRead, ScoreIn
from app.services import audit
from app.services.programmes.views import require_manager, require_reviewer
from app.workflow.programmes import (
    NominationStatus,
    RoundStatus,
    score_problems,
    sheet,
    weighted_total,
)

ERR_NOT_REVIEWER = N_("Choose a programme reviewer of the district.")
ERR_CODE = N_("Enter each organisation's 18-character unified social credit code.")
ERR_SUBMITTED = N_("This score has been submitted and can no longer be changed.")
ERR_DECLARE_FIRST = N_("Declare your conflicts of interest for this round before scoring.")
ERR_CLOSED = N_("This round's scoring has ended.")
ERR_POINTS = N_("Give each criterion whole points from 0 to its maximum.")
ERR_OWN_FIRST = N_("You can see the other reviewers' scores once you have submitted yours.")


class ConflictOfInterest(AppError):
    status_code = 409
    code = "conflict_of_interest"
    title = N_("Conflict of interest")
    default_detail = N_(
        "This reviewer declared a tie to the nominating organisation and cannot score this "
        "nomination. Give it to another reviewer."
    )
    preserve_writes = True


async def declare(
    session: AsyncSession, principal: Principal, round_id: uuid.UUID, data: DeclarationIn
) -> list[str]:
    district = require_reviewer(principal)
    assert principal.staff_id is not None
    found = await repo.round_(session, round_id, district)
    if found is None:
        raise NotFound()
    codes = sorted({c.strip().upper() for c in data.organisation_codes if c.strip()})
    if any(len(c) != 18 for c in codes):
        raise ValidationFailed.on_field("organisation_codes", ERR_CODE)
    row = await repo.declaration(session, round_id, principal.staff_id)
    if row is None:
        row = ReviewerDeclaration(
            round_id=round_id, staff_id=principal.staff_id, organisation_codes=codes
        )
        repo.add(session, row)
    else:
        row.organisation_codes = codes
    row.note = data.note
    await session.flush()
    await audit.record(
        session,
        "programme_round.conflicts_declared",
        actor=principal,
        object_type="programme_round",
        object_id=round_id,
        detail={"organisations": codes},
        district=district,
    )
    return codes


async def _nomination_in(
    session: AsyncSession, district: str, nomination_id: uuid.UUID
) -> tuple[Nomination, ProgrammeRound]:
    nomination = await repo.nomination(session, nomination_id, lock=True)
    if nomination is None or nomination.district != district:
        raise NotFound()
    found = await repo.round_(session, nomination.round_id)
    assert found is not None
    return nomination, found[0]


async def assign(
    session: AsyncSession, principal: Principal, nomination_id: uuid.UUID, data: AssignIn
) -> int:
    """Gives the nomination to a reviewer; the number now reviewing it."""
    district = require_manager(principal)
    nomination, round_ = await _nomination_in(session, district, nomination_id)
    if round_.status != RoundStatus.OPEN.value:
        raise Conflict(ERR_CLOSED)
    reviewer = await repo.staff_member(session, data.reviewer_id)
    if (
        reviewer is None
        or reviewer.district != district
        or Role.PROGRAMME_REVIEWER.value not in (reviewer.roles or [])
    ):
        raise ValidationFailed.on_field("reviewer_id", ERR_NOT_REVIEWER)
    declared = await repo.declaration(session, round_.id, reviewer.id)
    if declared is None:
        raise Conflict(ERR_DECLARE_FIRST)
    if nomination.organisation_code and nomination.organisation_code in declared.organisation_codes:
        await audit.record(
            session,
            "programme_nomination.assignment_refused",
            actor=principal,
            object_type="programme_nomination",
            object_id=nomination.id,
            detail={"reviewer": str(reviewer.id), "reason": "conflict_of_interest"},
            district=district,
        )
        raise ConflictOfInterest()
    if await repo.assignment(session, nomination.id, reviewer.id) is None:
        repo.add(
            session,
            ReviewerAssignment(
                nomination_id=nomination.id,
                staff_id=reviewer.id,
                assigned_by_user_id=principal.user_id,
                scores={},
            ),
        )
        await session.flush()
        await audit.record(
            session,
            "programme_nomination.assigned",
            actor=principal,
            object_type="programme_nomination",
            object_id=nomination.id,
            detail={"reviewer": str(reviewer.id)},
            district=district,
        )
    return len(await repo.assignments(session, [nomination.id]))


async def save(
    session: AsyncSession, principal: Principal, nomination_id: uuid.UUID, data: ScoreIn
) -> ReviewRead:
    """Saves the reviewer's draft (any subset of criteria) or submits the whole sheet."""
    district = require_reviewer(principal)
    assert principal.staff_id is not None
    nomination, round_ = await _nomination_in(session, district, nomination_id)
    review = await repo.assignment(session, nomination.id, principal.staff_id, lock=True)
    if review is None:
        raise NotFound()
    if review.submitted_at is not None:
        raise Conflict(ERR_SUBMITTED)
    if (
        round_.status != RoundStatus.OPEN.value
        or nomination.status != NominationStatus.IN_REVIEW.value
    ):
        raise Conflict(ERR_CLOSED)
    declared = await repo.declaration(session, round_.id, principal.staff_id)
    if declared is None:
        raise Conflict(ERR_DECLARE_FIRST)
    if nomination.organisation_code and nomination.organisation_code in declared.organisation_codes:
        raise ConflictOfInterest()
    criteria = sheet(round_.criteria)
    scores = {k: _whole(v) for k, v in data.scores.items()}
    problems = score_problems(criteria, scores, final=data.submit)
    if problems:
        raise ValidationFailed(
            field_errors=[
                FieldError(f"scores.{code}", why, ERR_POINTS) for code, why in problems.items()
            ]
        )
    review.scores = {k: v for k, v in scores.items() if v is not None and v != ""}
    review.comment = data.comment
    if data.submit:
        review.total = weighted_total(criteria, review.scores)
        review.submitted_at = utcnow()
    await session.flush()
    await audit.record(
        session,
        "programme_nomination.scored" if data.submit else "programme_review.draft_saved",
        actor=principal,
        object_type="programme_nomination",
        object_id=nomination.id,
        detail={"reviewer": str(principal.staff_id)},
        district=district,
    )
    return _read(review, None)


def _whole(value: Any) -> Any:
    """A form posts text: whole numbers become ints, anything else stays to be refused."""
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        return int(text) if text.isdigit() else text
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _read(review: ReviewerAssignment, name: str | None) -> ReviewRead:
    return ReviewRead(
        reviewer_id=review.staff_id,
        reviewer_name=name,
        scores=review.scores,
        comment=review.comment,
        total=review.total,
        submitted=review.submitted_at is not None,
    )


async def scores(
    session: AsyncSession, principal: Principal, nomination_id: uuid.UUID
) -> list[ReviewRead]:
    """The committee reads every review; a reviewer reads their own, and the others' only
    once their own is submitted."""
    if principal.can(Permission.MANAGE_PROGRAMMES) and principal.district is not None:
        nomination, _round = await _nomination_in(session, principal.district, nomination_id)
        own = None
    else:
        district = require_reviewer(principal)
        assert principal.staff_id is not None
        nomination, _round = await _nomination_in(session, district, nomination_id)
        own = await repo.assignment(session, nomination.id, principal.staff_id)
        if own is None:
            raise NotFound()
    reviews = await repo.assignments(session, [nomination.id])
    if own is not None and own.submitted_at is None:
        if any(r.staff_id != own.staff_id for r in reviews):
            await audit.record(
                session,
                "programme_review.early_read_refused",
                actor=principal,
                object_type="programme_nomination",
                object_id=nomination.id,
                district=nomination.district,
            )
        raise ScoresSealed()
    out = []
    for review in reviews:
        member = await repo.staff_member(session, review.staff_id)
        out.append(_read(review, member.full_name if member else None))
    return out


class ScoresSealed(AppError):
    status_code = 403
    code = "scores_sealed"
    title = N_("Other reviewers' scores are sealed")
    default_detail = ERR_OWN_FIRST
    preserve_writes = True


async def own_review(
    session: AsyncSession, principal: Principal, nomination_id: uuid.UUID
) -> ReviewRead:
    require_reviewer(principal)
    assert principal.staff_id is not None
    review = await repo.assignment(session, nomination_id, principal.staff_id)
    if review is None:
        raise NotFound()
    return _read(review, principal.display_name)


def means(reviews: list[ReviewerAssignment]) -> Decimal | None:
    totals = [r.total for r in reviews if r.total is not None and r.submitted_at is not None]
    return sum(totals, Decimal(0)) / len(totals) if totals else None


async def reviewer_choices(session: AsyncSession, principal: Principal) -> list[dict[str, str]]:
    """The district's programme reviewers, for the committee's assignment form."""
    district = require_manager(principal)
    return [
        {"value": str(s.id), "label": s.full_name}
        for s in await repo.reviewers(session, district, Role.PROGRAMME_REVIEWER.value)
    ]


async def my_declarations(session: AsyncSession, principal: Principal) -> dict[str, list[str]]:
    """The reviewer's declared organisations by round (a round missing: not declared yet)."""
    require_reviewer(principal)
    assert principal.staff_id is not None
    return {
        str(d.round_id): d.organisation_codes
        for d in await repo.declarations_of(session, principal.staff_id)
    }
