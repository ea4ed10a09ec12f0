"""The employer workspace with its payments: the claims room builds the page's view, and the
payments room says where each of the organisation's grants stands (awaiting an account, in a
run, paid, returned). The two rooms stay independent; this module is where they meet."""

from __future__ import annotations

from app.domain.principal import Principal
from app.repositories.unit_of_work import AsyncSession
from app.schemas.claims import PaymentRow, Workspace
from app.services.claims import workspace as claims_workspace
from app.services.payments import grants


async def workspace(session: AsyncSession, principal: Principal, lang: str) -> Workspace:
    space = await claims_workspace.workspace(session, principal, lang)
    space.payments = [
        PaymentRow(
            case_id=g.case_id,
            number=g.case_number,
            service_name=g.service_name,
            amount_cny=g.amount_cny,
            status=g.status,
            status_label=g.status_label,
        )
        for g in await grants.my_grants(session, principal, lang)
    ]
    return space
