"""One-off grants in the monthly payment run: the run takes every ready grant of its district
beside the month's subsidy payments, and the bank's result file settles them: paid (the
beneficiary is told, in their language), failed once (the next run retries it), failed again
(returned to the case for another account)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from app.models import PaymentCycle
from app.models.base import utcnow
from app.repositories import grants as grants_repo
from app.repositories import payment_runs as runs_repo
from app.repositories.payment_runs import LineState
from app.repositories.unit_of_work import AsyncSession
from app.services import notifications
from app.services.payments.common import add_months, payment_label
from app.services.payments.grants import return_to_case
from app.workflow.grants import GRANTS, GrantEvent, GrantStatus
from app.workflow.payments import EntitlementEvent
from app.workflow.values import local_date

_PAID = GRANTS.advance(GrantStatus.IN_RUN, GrantEvent.PAID)
_RETRY = GRANTS.advance(GrantStatus.IN_RUN, GrantEvent.RETRY)


async def add_due_grants(session: AsyncSession, cycle: PaymentCycle) -> int:
    """Puts the district's ready grants into the run, award instalments falling due by the
    month's end among them (set-based; a second or concurrent call
    adds nothing: see ``grants_repo.add_grants_to_cycle``). Returns how many it took."""
    now = utcnow()
    # Never before its date, and not a later month's: the run of a month made early in it
    # leaves what falls due later to the next run.
    due_before = min(add_months(cycle.month, 1), local_date(now) + timedelta(days=1))
    return await grants_repo.add_grants_to_cycle(session, cycle.id, cycle.district, now, due_before)


async def settle_grants(
    session: AsyncSession, settled: Sequence[tuple[LineState, EntitlementEvent, str]]
) -> None:
    """The grants whose lines the result file settled: (line, the bank's result, its reason).
    Paid and retried ones in bulk; a grant failed twice goes back to its case."""
    if not settled:
        return
    now = utcnow()
    failed = [(s, why) for s, event, why in settled if event is EntitlementEvent.FAILED]
    paid = [s.id for s, event, _w in settled if event is EntitlementEvent.PAID]
    await runs_repo.mark_grants(
        session, await runs_repo.grant_ids_of_lines(session, paid), _PAID, now
    )
    retried = [s.id for s, _w in failed if not s.carried]
    await runs_repo.mark_grants(
        session, await runs_repo.grant_ids_of_lines(session, retried), _RETRY, now
    )
    returned = {s.grant_id: (s.id, why) for s, why in failed if s.carried}
    for grant in await runs_repo.grants_of_lines(session, [line for line, _w in returned.values()]):
        line_id, why = returned[grant.id]
        await return_to_case(session, grant, line_id, why)
    for start in range(0, len(paid), 5000):
        notices: list[notifications.Notice] = []
        for r in await runs_repo.paid_grant_recipients(session, paid[start : start + 5000]):
            notices.append(
                notifications.Notice(
                    recipient_user_id=r.user_id,
                    template="grant.paid",
                    payload={
                        "case_number": payment_label(
                            r.case_number,
                            r.service_zh,
                            r.service_en,
                            r.instalment,
                            r.instalments,
                            r.language,
                        ),
                        "service_name": r.service_zh if r.language == "zh" else r.service_en,
                        "amount": r.amount_cny,
                    },
                    language=r.language,
                    dedup_key=f"grant-paid:{r.line_id.hex}:{r.user_id.hex[:8]}",
                    case_id=r.case_id,
                    contact=notifications.Contact(kind=r.user_kind, email=r.email, mobile=r.mobile),
                )
            )
        await notifications.enqueue_many(session, notices)
    await session.flush()
