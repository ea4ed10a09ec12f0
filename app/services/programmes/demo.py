"""A demo round open in each district (Yangpu's outstanding talent, Changning's leading
talent), for the demo reviewers to declare on and the demo organisations to nominate in.
Idempotent: a programme that has a round already is left as it is."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from app.models import ProgrammeRound
from app.repositories import programmes as repo
from app.repositories.unit_of_work import AsyncSession
from app.services.programmes.views import today
from app.workflow.programmes import RoundStatus

_SHEET = [
    {
        "code": "achievement",
        "name_zh": "业绩成果",
        "name_en": "Achievements",
        "weight": 50,
        "max": 10,
    },
    {
        "code": "contribution",
        "name_zh": "对本区贡献",
        "name_en": "Contribution to the district",
        "weight": 30,
        "max": 10,
    },
    {"code": "potential", "name_zh": "发展潜力", "name_en": "Potential", "weight": 20, "max": 10},
]
# (district, programme code, title, quota, grant, award title zh, en); quotas and grants are
# assumed: the plans give none for one round.
_ROUNDS = (
    (
        "yangpu",
        "outstanding_talent",
        "2026年度杨浦区杰出人才评选（演示）",
        10,
        Decimal("200000"),
        "杨浦区杰出人才",
        "Yangpu outstanding talent",
    ),
    (
        "changning",
        "leading_talent",
        "2026年度长宁区领军人才选拔（演示）",
        20,
        Decimal("100000"),
        "长宁区领军人才",
        "Changning leading talent",
    ),
)


async def load(session: AsyncSession) -> int:
    opened = 0
    start = today()
    for district, code, title, quota, grant, title_zh, title_en in _ROUNDS:
        programme = await repo.programme_by_code(session, district, code)
        if programme is None or await repo.rounds_of(session, programme.id):
            continue
        repo.add(
            session,
            ProgrammeRound(
                id=uuid.uuid4(),
                programme_id=programme.id,
                district=district,
                title=title,
                quota=quota,
                quota_assumed=True,
                opens_on=start,
                closes_on=start + timedelta(days=60),
                policy_id=programme.policy_id,
                criteria=_SHEET,
                reviewers_per_nomination=2,
                grant_amount=grant,
                grant_assumed=True,
                award_title_zh=title_zh,
                award_title_en=title_en,
                valid_years=3,
                notice_days=7,
                status=RoundStatus.OPEN.value,
            ),
        )
        opened += 1
    await session.flush()
    return opened
