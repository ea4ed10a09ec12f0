"""Opening a programme round: the district admin chooses the programme, the quota (the plan's
figure where it gives one, otherwise marked assumed), the application window, the scoring
sheet and the benefits. The eligibility policy is the programme's rules file."""

from __future__ import annotations

import uuid

from app.domain.principal import Principal
from app.errors import FieldError, NotFound, ValidationFailed
from app.i18n import N_
from app.models import ProgrammeRound
from app.repositories import programmes as repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import load_library
from app.schemas.programmes import ProgrammeRead, RoundCreate, RoundRead
from app.services import audit
from app.services.programmes.views import (
    programme_read,
    require_manager,
    round_read,
    staff_district,
    today,
)
from app.services.talent_register.awards import whole_yuan
from app.workflow.programmes import RoundStatus, sheet, sheet_problems

ERR_PROGRAMME = N_("Choose one of the district's programmes.")
ERR_WINDOW = N_("The window must close on or after the day it opens.")
ERR_PAST = N_("The window must not close before today.")
ERR_SHEET = N_(
    "The scoring sheet needs at least one criterion, each with its own code, positive weights "
    "and points, and weights adding up to 100."
)
ERR_NO_POLICY = N_("The programme's eligibility rules are not in force on the opening day.")


async def programmes(session: AsyncSession, district: str | None, lang: str) -> list[ProgrammeRead]:
    return [programme_read(p, lang) for p in await repo.programmes(session, district)]


async def create(
    session: AsyncSession, principal: Principal, data: RoundCreate, lang: str
) -> RoundRead:
    district = require_manager(principal)
    programme = await repo.programme_by_code(session, district, data.programme)
    problems = []
    if programme is None:
        problems.append(FieldError("programme", "invalid_choice", ERR_PROGRAMME))
    if data.closes_on < data.opens_on:
        problems.append(FieldError("closes_on", "window", ERR_WINDOW))
    elif data.closes_on < today():
        problems.append(FieldError("closes_on", "past", ERR_PAST))
    criteria = [c.model_dump() for c in data.criteria]
    if sheet_problems(sheet(criteria)):
        problems.append(FieldError("criteria", "sheet", ERR_SHEET))
    try:
        whole_yuan(data.grant_amount)
    except ValidationFailed as exc:
        problems.extend(exc.field_errors)
    if (
        programme is not None
        and load_library().version_at(programme.policy_id, data.opens_on) is None
    ):
        problems.append(FieldError("opens_on", "no_policy", ERR_NO_POLICY))
    if problems or programme is None:
        raise ValidationFailed(field_errors=problems)
    round_ = ProgrammeRound(
        id=uuid.uuid4(),
        programme_id=programme.id,
        district=district,
        title=data.title,
        quota=data.quota,
        # The plan's figure is for the programme over the plan's years, not one round's.
        quota_assumed=True,
        opens_on=data.opens_on,
        closes_on=data.closes_on,
        policy_id=programme.policy_id,
        criteria=criteria,
        reviewers_per_nomination=data.reviewers_per_nomination,
        grant_amount=data.grant_amount,
        # Neither plan nor the policy facts give a grant amount: the admin's figure is assumed.
        grant_assumed=True,
        award_title_zh=data.award_title_zh,
        award_title_en=data.award_title_en,
        valid_years=data.valid_years,
        notice_days=data.notice_days,
        status=RoundStatus.OPEN.value,
        created_by_user_id=principal.user_id,
    )
    repo.add(session, round_)
    await session.flush()
    await audit.record(
        session,
        "programme_round.opened",
        actor=principal,
        object_type="programme_round",
        object_id=round_.id,
        detail={"programme": programme.code, "quota": round_.quota},
        district=district,
    )
    return round_read(round_, programme, lang)


async def listing(
    session: AsyncSession, principal: Principal | None, lang: str, district: str | None = None
) -> list[RoundRead]:
    """Staff see their district's rounds; anyone else the open ones (no personal data)."""
    own = staff_district(principal) if principal is not None else None
    if own is not None:
        rows = await repo.rounds(session, own)
    else:
        rows = await repo.rounds(session, district, [RoundStatus.OPEN.value])
    return [round_read(r, p, lang) for r, p in rows]


async def get(
    session: AsyncSession, principal: Principal | None, round_id: uuid.UUID, lang: str
) -> RoundRead:
    own = staff_district(principal) if principal is not None else None
    found = await repo.round_(session, round_id, own)
    if found is None:
        raise NotFound()
    return round_read(found[0], found[1], lang)
