"""A payment run's lines as finance staff see them: monthly subsidies and one-off grants side
by side, each with its beneficiary, service, case and amount."""

from __future__ import annotations

import uuid

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import NotFound, PermissionDenied
from app.models import PaymentCycle
from app.repositories import payment_runs as runs_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.grants import CycleLine, CycleLines
from app.services.payments.common import payment_label


async def cycle_lines(
    session: AsyncSession,
    principal: Principal,
    cycle_id: uuid.UUID,
    lang: str,
    *,
    offset: int = 0,
    limit: int = 200,
) -> CycleLines:
    """A page of the run's lines, one-off grants first (a run has few of them and many
    months of subsidies)."""
    if not (principal.can(Permission.PREPARE_PAYMENTS) or principal.can(Permission.CHECK_PAYMENTS)):
        raise PermissionDenied()
    cycle = await session.get(PaymentCycle, cycle_id)
    if cycle is None or cycle.district != principal.district:
        raise NotFound()
    total, _amount, one_off = await runs_repo.totals(session, cycle.id)
    rows = await runs_repo.lines(session, cycle.id, offset, limit)
    return CycleLines(
        lines=[
            CycleLine(
                id=line_id,
                kind=kind,
                beneficiary_name=name,
                service_name=zh if lang == "zh" else en,
                case_number=payment_label(number, zh, en, instalment, instalments, lang),
                amount_cny=amount,
                status=status,
                carried=carried,
            )
            for (
                line_id,
                kind,
                name,
                zh,
                en,
                number,
                amount,
                status,
                carried,
                instalment,
                instalments,
            ) in rows
        ],
        total=total,
        one_off=one_off,
        offset=offset,
        limit=limit,
    )
