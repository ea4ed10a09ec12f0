"""A programme award's grant as a payable entitlement: one ``grant_payment`` per instalment,
resting on the talent register entry instead of a case. Each instalment waits for the person's
bank account, is taken by the payment run of the month it falls due (while the membership still
holds on its date) and is paid through finance's maker/checker run like any other grant."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from app.models import GrantPayment, TalentRegisterEntry
from app.models.base import utcnow
from app.repositories import grants as grants_repo
from app.repositories.unit_of_work import AsyncSession
from app.services import audit
from app.workflow.grants import GrantStatus


def split(amount_cny: int, count: int) -> list[int]:
    """Whole yuan in ``count`` instalments; the remainder of the division goes with the first."""
    base, rest = divmod(amount_cny, count)
    return [base + rest, *([base] * (count - 1))]


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


class AwardGrants:
    """``app.services.award_payments.AwardPayments``, installed by ``wiring``."""

    async def entitle(
        self,
        session: AsyncSession,
        entry: TalentRegisterEntry,
        *,
        beneficiary_name: str,
        amount_cny: int,
        instalments: int,
        assumed: bool,
        title: tuple[str, str],
    ) -> list[GrantPayment]:
        """The award's instalments, a year apart from the granted date. Called once per entry
        (the entry's own uniqueness makes the award idempotent; the unique index per entry and
        instalment stops a second set regardless)."""
        now = utcnow()
        grants = [
            GrantPayment(
                id=uuid.uuid4(),
                case_id=None,
                service_id=None,
                register_entry_id=entry.id,
                instalment=number,
                payable_on=add_years(entry.granted_on, number - 1),
                district=entry.district,
                applicant_id=entry.applicant_id,
                organisation_id=None,
                beneficiary_name=beneficiary_name[:200],
                amount_cny=amount,
                amount_assumed=assumed,
                reference=entry.reference,
                title_zh=title[0][:200],
                title_en=title[1][:200],
                status=GrantStatus.AWAITING_ACCOUNT.value,
                created_at=now,
                updated_at=now,
            )
            for number, amount in enumerate(split(amount_cny, instalments), start=1)
        ]
        grants_repo.add_award_grants(session, grants)
        await session.flush()
        for grant in grants:
            await audit.record(
                session,
                "grant.entitled",
                actor=None,
                object_type="grant_payment",
                object_id=grant.id,
                district=grant.district,
                detail={
                    "award": entry.reference,
                    "instalment": grant.instalment,
                    "payable_on": str(grant.payable_on),
                    "amount_cny": grant.amount_cny,
                    "amount_assumed": assumed,
                },
            )
        return grants

    async def end_after(
        self, session: AsyncSession, entry: TalentRegisterEntry, last_day: date, now: datetime
    ) -> list[GrantPayment]:
        return await grants_repo.cancel_award_instalments_after(session, entry.id, last_day, now)
