"""Monthly cycles: entitlements computed (re-checking conditions that can lapse), reviewed by a
finance maker, approved by a different checker."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from app.clients.verification import OutsideSystem
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import Conflict, NotFound, PermissionDenied
from app.i18n import N_
from app.models import Enrolment, Entitlement, PaymentCycle
from app.models.base import utcnow
from app.repositories import payment_runs as runs_repo
from app.repositories import subsidies as subsidies_repo
from app.repositories.subsidies import DueEnrolment
from app.repositories.unit_of_work import AsyncSession, IntegrityError
from app.rules import DecisionStatus, Text, load_library
from app.rules.lapsing import condition_ids
from app.schemas.payments import CycleRead
from app.services import audit
from app.services.payments.common import (
    add_months,
    first_of_month,
    months_between,
    notify_enrollee,
    require_permission,
)
from app.services.payments.grant_runs import add_due_grants
from app.workflow.applications import FactCheckStatus
from app.workflow.payments import (
    CYCLES,
    ENROLMENTS,
    ENTITLEMENTS,
    CycleEvent,
    EnrolmentEvent,
    EnrolmentStatus,
    EntitlementEvent,
    EntitlementStatus,
    PaymentCycleStatus,
)

#: Enrolments re-checked and written per round: facts of this many people in memory at once.
_CHUNK = 5000


async def cycle_view(session: AsyncSession, cycle: PaymentCycle) -> CycleRead:
    lines, total, one_off = await runs_repo.totals(session, cycle.id)
    return CycleRead(
        id=cycle.id,
        district=cycle.district,
        month=cycle.month,
        status=cycle.status,
        entitlements=lines,
        one_off=one_off,
        total_cny=total,
        maker_user_id=cycle.maker_user_id,
        checker_user_id=cycle.checker_user_id,
    )


def _once_per_benefit(
    due: list[tuple[DueEnrolment, int]],
) -> tuple[list[tuple[DueEnrolment, int]], list[str]]:
    """Each person is paid once per benefit a month, by their earliest enrolment for it, even
    if two enrolments exist (made before the unique index did, or by any other fault): the
    others are left out of the cycle and named for the maker's review."""
    kept: list[tuple[DueEnrolment, int]] = []
    seen: set[tuple[uuid.UUID, str]] = set()
    duplicates: list[str] = []
    for enrolment, index in sorted(due, key=lambda d: (d[0].starts_on, d[0].created_at, d[0].id)):
        key = (enrolment.applicant_id, enrolment.benefit)
        if key in seen:
            duplicates.append(str(enrolment.id))
            continue
        seen.add(key)
        kept.append((enrolment, index))
    return kept, duplicates


async def generate_cycle(session: AsyncSession, principal: Principal, month: date) -> CycleRead:
    """Computes the month's entitlements; a second call for the same month returns the cycle
    as it is (no second set of payments)."""
    district = require_permission(principal, Permission.PREPARE_PAYMENTS)
    month = first_of_month(month)
    cycle = await subsidies_repo.get_cycle(session, district, month)
    if cycle is not None:
        return await _top_up(session, cycle)
    cycle = PaymentCycle(district=district, month=month)
    try:
        async with session.begin_nested():
            session.add(cycle)
    except IntegrityError:
        # Another maker generated the month at the same moment: the unique (district, month)
        # made us wait for their transaction; their cycle is the month's.
        existing = await subsidies_repo.get_cycle(session, district, month)
        if existing is None:
            raise
        return await _top_up(session, existing)
    # Only the columns computing needs, no ORM objects; the conditions re-checked a chunk at a
    # time (one query per kind of fact and one vectorised evaluation per policy and chunk), so
    # a district's month never sits in memory as objects or answers.
    enrolments = await subsidies_repo.enrolments_to_pay(session, district, add_months(month, 1))
    pending = await subsidies_repo.pending_amounts(session, district)
    # Failed payments are owed for months already found eligible: carried whatever this month's
    # re-check finds, and read before any enrolment ends below.
    failed = await subsidies_repo.failed_uncarried(session, district)
    due: list[tuple[DueEnrolment, int]] = []
    completed: list[uuid.UUID] = []
    for enrolment in enrolments:
        index = months_between(enrolment.starts_on, month)
        paid_before = enrolment.total_paid_cny + pending.get(enrolment.id, 0)
        if index >= len(enrolment.schedule) or paid_before >= enrolment.cap_total_cny:
            # Caps on months and on the total; an enrolment with a payment still unsettled
            # stays open until the bank has paid it.
            if not pending.get(enrolment.id):
                completed.append(enrolment.id)
            continue
        due.append((enrolment, index))
    del enrolments
    await subsidies_repo.set_enrolments_status(
        session,
        completed,
        ENROLMENTS.advance(EnrolmentStatus.ACTIVE, EnrolmentEvent.COMPLETE),
        "schedule completed",
    )
    due, duplicates = _once_per_benefit(due)
    now = utcnow()
    for start in range(0, len(due), _CHUNK):
        chunk = due[start : start + _CHUNK]
        facts = await _current_facts(session, [e for e, _i in chunk], month)
        statuses, checked = _recheck(chunk, facts, month)
        rows: list[dict[str, object]] = []
        for enrolment, index in chunk:
            # Only the conditions that can lapse (still employed in the district, no home
            # bought, not in a talent apartment, ...) are re-checked, as of this month;
            # windows that applied when applying (back less than a year) are not.
            if statuses[enrolment.id] != DecisionStatus.ELIGIBLE:
                lapsed = await subsidies_repo.get_enrolment(session, enrolment.id)
                assert lapsed is not None
                await _lapse(session, principal, lapsed, facts.get(enrolment.id, {}), month, index)
                continue
            paid_before = enrolment.total_paid_cny + pending.get(enrolment.id, 0)
            amount = min(enrolment.schedule[index], enrolment.cap_total_cny - paid_before)
            if amount > 0:
                rows.append(
                    {
                        "id": uuid.uuid4(),
                        "cycle_id": cycle.id,
                        "enrolment_id": enrolment.id,
                        "month_index": index,
                        "amount_cny": amount,
                        "status": EntitlementStatus.DUE.value,
                        # What was re-checked before paying, for the maker's review and audit.
                        "detail": checked[enrolment.id],
                        "created_at": now,
                    }
                )
        # Written as rows in one statement per batch: ORM objects for a whole district's
        # month would cost more to track than to insert.
        await subsidies_repo.add_entitlements(session, rows)
    for entitlement in failed:
        session.add(
            Entitlement(
                cycle_id=cycle.id,
                enrolment_id=entitlement.enrolment_id,
                month_index=entitlement.month_index,
                amount_cny=entitlement.amount_cny,
                carried_from_id=entitlement.id,
            )
        )
        entitlement.status = ENTITLEMENTS.advance(entitlement.status, EntitlementEvent.CARRY)
    await session.flush()
    # One run pays both: the district's one-off grants due join the month's subsidies.
    grants = await add_due_grants(session, cycle)
    await audit.record(
        session,
        "subsidy.cycle_generated",
        actor=principal,
        object_type="payment_cycle",
        object_id=cycle.id,
        detail={
            "month": month.isoformat(),
            "one_off_grants": grants,
            # Enrolments not paid because the person is paid for the same benefit already.
            **({"duplicates_not_paid": duplicates} if duplicates else {}),
        },
    )
    return await cycle_view(session, cycle)


async def _top_up(session: AsyncSession, cycle: PaymentCycle) -> CycleRead:
    """The month's run exists: computing it again adds no second set of payments, only the
    one-off grants that became due since, while no maker has reviewed it yet."""
    if cycle.status == PaymentCycleStatus.COMPUTED:
        await add_due_grants(session, cycle)
    return await cycle_view(session, cycle)


async def _current_facts(
    session: AsyncSession, enrolments: list[DueEnrolment], month: date
) -> dict[uuid.UUID, dict[str, Any]]:
    """The answers the grant was decided on, overlaid with what is known now: an active
    talent-apartment lease is another housing benefit, and the social insurance system's latest
    answer since the application (for any application of the beneficiary) gives the employer's
    district and, when asked for the same district, the months insured there."""
    answers = await subsidies_repo.answers_for_enrolments(session, [e.id for e in enrolments])
    applicants = list({e.applicant_id for e in enrolments})
    leased = await subsidies_repo.in_talent_apartment(session, applicants, add_months(month, 1))
    insured = await subsidies_repo.later_social_insurance(
        session,
        [e.id for e in enrolments],
        OutsideSystem.SOCIAL_INSURANCE.value,
        tuple(sorted(FactCheckStatus.CONFIRMED)),
    )
    out: dict[uuid.UUID, dict[str, Any]] = {}
    for e in enrolments:
        facts = {k: v for k, v in answers.get(e.id, {}).items() if k != "employer_uscc"}
        district, verified = insured.get(e.id, (None, {}))
        for name, value in verified.items():
            if name == "employer_district" or district == e.district:
                facts[name] = value
        if e.applicant_id in leased:
            facts["has_other_housing_benefit"] = True
        out[e.id] = facts
    return out


def _recheck(
    due: list[tuple[DueEnrolment, int]], facts: dict[uuid.UUID, dict[str, Any]], month: date
) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, dict[str, object]]]:
    """Each enrolment's re-check status, and the policy version and conditions it checked."""
    library = load_library()
    out: dict[uuid.UUID, str] = {}
    checked: dict[uuid.UUID, dict[str, object]] = {}
    by_policy: dict[str, list[tuple[DueEnrolment, int]]] = {}
    for enrolment, index in due:
        by_policy.setdefault(enrolment.policy_id, []).append((enrolment, index))
    for policy_id, group in by_policy.items():
        statuses = library.evaluate_lapsing_batch(
            [facts.get(e.id, {}) for e, _ in group],
            month,
            policy_id,
            [index + 1 for _, index in group],
        )
        out.update({e.id: status for (e, _), status in zip(group, statuses, strict=True)})
        version = library.version_for_payments(policy_id, month)
        # One detail per schedule month, shared by the lines that checked the same.
        details: dict[int, dict[str, object]] = {}
        for e, index in group:
            if index not in details:
                details[index] = {
                    "policy_version": version.version,
                    "checked": list(condition_ids(version.spec, index + 1)),
                }
            checked[e.id] = details[index]
    return out, checked


async def _lapse(
    session: AsyncSession,
    principal: Principal,
    enrolment: Enrolment,
    facts: dict[str, Any],
    month: date,
    index: int,
) -> None:
    """A condition no longer met ends the enrolment; one that cannot be checked (an answer
    missing) suspends it until staff confirm and resume it. Either way no payment this month
    and the beneficiary is told why, in their language."""
    found = load_library().evaluate_lapsing(facts, month, enrolment.policy_id, index + 1)
    ids = ", ".join(f.id for f in found.failed)
    reason = Text(
        zh="；".join(f.message.zh for f in found.failed),
        en="; ".join(f.message.en for f in found.failed),
    )
    ended = DecisionStatus(found.status) is DecisionStatus.INELIGIBLE
    enrolment.status = ENROLMENTS.advance(
        enrolment.status, EnrolmentEvent.TERMINATE if ended else EnrolmentEvent.SUSPEND
    )
    prefix = "no longer eligible" if ended else "cannot be checked"
    enrolment.status_reason = f"{prefix} ({ids}): {reason.zh} / {reason.en}"[:500]
    await notify_enrollee(
        session,
        enrolment,
        "subsidy.ended" if ended else "subsidy.suspended",
        {},
        reason=reason,
        dedup=f"enrolment:{enrolment.id}:lapsed:{month.isoformat()}",
    )
    await audit.record(
        session,
        "subsidy.lapsed",
        actor=principal,
        object_type="enrolment",
        object_id=enrolment.id,
        district=enrolment.district,
        detail={
            "month": month.isoformat(),
            "status": enrolment.status,
            "conditions": [f.id for f in found.failed],
            "policy_version": found.policy_version,
        },
    )


async def load_cycle(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID
) -> PaymentCycle:
    cycle = await subsidies_repo.lock_cycle(session, cycle_id)
    if cycle is None or cycle.district != principal.district:
        raise NotFound()
    return cycle


async def review(session: AsyncSession, principal: Principal, cycle_id: uuid.UUID) -> CycleRead:
    require_permission(principal, Permission.PREPARE_PAYMENTS)
    cycle = await load_cycle(session, principal, cycle_id)
    # Reviewing twice changes nothing: only a computed cycle takes the review.
    if CYCLES.allows(cycle.status, CycleEvent.REVIEW):
        cycle.status, cycle.maker_user_id, cycle.reviewed_at = (
            CYCLES.advance(cycle.status, CycleEvent.REVIEW),
            principal.user_id,
            utcnow(),
        )
        await audit.record(
            session,
            "subsidy.cycle_reviewed",
            actor=principal,
            object_type="payment_cycle",
            object_id=cycle.id,
        )
    await session.flush()
    return await cycle_view(session, cycle)


async def approve(session: AsyncSession, principal: Principal, cycle_id: uuid.UUID) -> CycleRead:
    """The checker must not be the maker (four eyes); approving twice changes nothing."""
    require_permission(principal, Permission.CHECK_PAYMENTS)
    cycle = await load_cycle(session, principal, cycle_id)
    if cycle.status == PaymentCycleStatus.COMPUTED:
        raise Conflict(N_("A finance maker must review this cycle before it is approved."))
    if cycle.maker_user_id == principal.user_id:
        raise PermissionDenied(N_("The person who prepared a payment cycle cannot approve it."))
    if CYCLES.allows(cycle.status, CycleEvent.APPROVE):
        cycle.status, cycle.checker_user_id, cycle.approved_at = (
            CYCLES.advance(cycle.status, CycleEvent.APPROVE),
            principal.user_id,
            utcnow(),
        )
        await audit.record(
            session,
            "subsidy.cycle_approved",
            actor=principal,
            object_type="payment_cycle",
            object_id=cycle.id,
        )
    await session.flush()
    return await cycle_view(session, cycle)


async def list_cycles(session: AsyncSession, principal: Principal) -> list[CycleRead]:
    if not (principal.can(Permission.PREPARE_PAYMENTS) or principal.can(Permission.CHECK_PAYMENTS)):
        raise PermissionDenied()
    assert principal.district is not None
    return [
        await cycle_view(session, c)
        for c in await subsidies_repo.list_cycles(session, principal.district)
    ]
