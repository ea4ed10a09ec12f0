"""Rent subsidies paid month by month (after OpenG2P): an approved case becomes an enrolment
with its schedule from the policy outputs; each month a cycle computes entitlements (re-checking
the conditions that can lapse), a finance maker reviews, a different finance checker approves,
a batch file goes to the bank and the bank's result file is reconciled. Failed payments are
carried to the next cycle. Every step is idempotent: running it twice changes nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.clients.verification import OutsideSystem
from app.config import get_settings
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import Case, Enrolment, Entitlement, PaymentCycle
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import catalog as catalog_repo
from app.repositories import subsidies as subsidies_repo
from app.rules import Text, load_library
from app.rules.lapsing import condition_ids
from app.services import audit, notifications, protection
from app.services.verification import CONFIRMED
from app.workflow.values import local_date

_ACCOUNT_CONTEXT = "subsidy.bank_account"


class EntitlementRead(BaseModel):
    id: uuid.UUID
    month: date
    month_index: int
    amount_cny: int
    status: str
    carried: bool


class EnrolmentRead(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    policy_id: str
    schedule: list[int]
    cap_total_cny: int
    starts_on: date
    months_paid: int
    total_paid_cny: int
    status: str
    status_reason: str | None
    bank_account_masked: str
    payments: list[EntitlementRead]


class CycleRead(BaseModel):
    id: uuid.UUID
    district: str
    month: date
    status: str
    entitlements: int
    total_cny: int
    maker_user_id: uuid.UUID | None
    checker_user_id: uuid.UUID | None


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, month: date) -> int:
    return (month.year - start.year) * 12 + month.month - start.month


def mask_account(number: str) -> str:
    return "*" * max(0, len(number) - 4) + number[-4:]


def mask_name(name: str) -> str:
    return name[0] + "*" * (len(name) - 2) + name[-1] if len(name) > 2 else name[0] + "*"


def schedule_from(outputs: dict[str, Any]) -> tuple[list[int], int]:
    """The monthly amounts and the total cap from a policy's outputs."""
    if isinstance(outputs.get("monthly_schedule_cny"), list):
        schedule = [int(x) for x in outputs["monthly_schedule_cny"]]
    else:
        amount = int(outputs.get("monthly_amount_cny") or 0)
        schedule = [amount] * int(outputs.get("max_months") or 0)
    cap = int(outputs.get("total_cny") or sum(schedule))
    return schedule, cap


async def enrol(
    session: AsyncSession, case: Case, *, account_name: str, bank_account: str
) -> Enrolment:
    """From an approved subsidy case (idempotent per case)."""
    existing = await subsidies_repo.enrolment_for_case(session, case.id)
    if existing is not None:
        return existing
    account = bank_account.replace(" ", "")
    if not account.isdigit() or not 10 <= len(account) <= 30:
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    "bank_account",
                    "invalid_bank_account",
                    N_("Enter a bank account number of 10 to 30 digits."),
                )
            ]
        )
    outputs = (case.eligibility_result or {}).get("outputs") or {}
    schedule, cap = schedule_from(outputs if isinstance(outputs, dict) else {})
    service = await catalog_repo.get(session, case.service_id)
    assert service is not None and service.policy_id
    enrolment = Enrolment(
        case_id=case.id,
        applicant_id=case.applicant_id,
        district=case.district,
        policy_id=service.policy_id,
        schedule=schedule,
        cap_total_cny=cap,
        starts_on=add_months(first_of_month(local_date(utcnow())), 1),
        account_name=account_name,
        bank_account_enc=protection.cipher().encrypt(account, _ACCOUNT_CONTEXT),
        bank_account_masked=mask_account(account),
    )
    session.add(enrolment)
    await session.flush()
    return enrolment


def _require(principal: Principal, permission: Permission) -> str:
    if principal.district is None or not principal.can(permission):
        raise PermissionDenied()
    return principal.district


async def _cycle_view(session: AsyncSession, cycle: PaymentCycle) -> CycleRead:
    rows = await subsidies_repo.entitlements(session, cycle.id)
    return CycleRead(
        id=cycle.id,
        district=cycle.district,
        month=cycle.month,
        status=cycle.status,
        entitlements=len(rows),
        total_cny=sum(r.amount_cny for r in rows),
        maker_user_id=cycle.maker_user_id,
        checker_user_id=cycle.checker_user_id,
    )


async def generate_cycle(session: AsyncSession, principal: Principal, month: date) -> CycleRead:
    """Computes the month's entitlements; a second call for the same month returns the cycle
    as it is (no second set of payments)."""
    district = _require(principal, Permission.PREPARE_PAYMENTS)
    month = first_of_month(month)
    cycle = await subsidies_repo.get_cycle(session, district, month)
    if cycle is not None:
        return await _cycle_view(session, cycle)
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
        return await _cycle_view(session, existing)
    enrolments = [
        e
        for e in await subsidies_repo.active_enrolments(session, district)
        if months_between(e.starts_on, month) >= 0
    ]
    # Bulk reads and the vectorised rules path: one query for all answers, one for all pending
    # amounts, one batch evaluation per policy, instead of several round trips per person.
    facts = await _current_facts(session, enrolments, month)
    pending = await subsidies_repo.pending_amounts(session, district)
    # Failed payments are owed for months already found eligible: carried whatever this month's
    # re-check finds, and read before any enrolment ends below.
    failed = await subsidies_repo.failed_uncarried(session, district)
    due: list[tuple[Enrolment, int]] = []
    for enrolment in enrolments:
        index = months_between(enrolment.starts_on, month)
        paid_before = enrolment.total_paid_cny + pending.get(enrolment.id, 0)
        if index >= len(enrolment.schedule) or paid_before >= enrolment.cap_total_cny:
            # Caps on months and on the total; an enrolment with a payment still unsettled
            # stays open until the bank has paid it.
            if not pending.get(enrolment.id):
                enrolment.status, enrolment.status_reason = "ended", "schedule completed"
            continue
        due.append((enrolment, index))
    statuses, checked = _recheck(due, facts, month)
    for enrolment, index in due:
        # Only the conditions that can lapse (still employed in the district, no home bought,
        # not in a talent apartment, ...) are re-checked, as of this month; windows that
        # applied when applying (back less than a year) are not.
        if statuses[enrolment.id] != "eligible":
            await _lapse(session, principal, enrolment, facts.get(enrolment.id, {}), month, index)
            continue
        paid_before = enrolment.total_paid_cny + pending.get(enrolment.id, 0)
        amount = min(enrolment.schedule[index], enrolment.cap_total_cny - paid_before)
        if amount > 0:
            session.add(
                Entitlement(
                    cycle_id=cycle.id,
                    enrolment_id=enrolment.id,
                    month_index=index,
                    amount_cny=amount,
                    # What was re-checked before paying, for the maker's review and audit.
                    detail=checked[enrolment.id],
                )
            )
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
        entitlement.status = "carried"
    await session.flush()
    await audit.record(
        session,
        "subsidy.cycle_generated",
        actor=principal,
        object_type="payment_cycle",
        object_id=cycle.id,
        detail={"month": month.isoformat()},
    )
    return await _cycle_view(session, cycle)


async def _current_facts(
    session: AsyncSession, enrolments: list[Enrolment], month: date
) -> dict[uuid.UUID, dict[str, Any]]:
    """The answers the grant was decided on, overlaid with what is known now: an active
    talent-apartment lease is another housing benefit, and the social insurance system's latest
    answer since the application (for any application of the beneficiary) gives the employer's
    district and, when asked for the same district, the months insured there."""
    answers = await subsidies_repo.answers_for_enrolments(session, [e.id for e in enrolments])
    applicants = list({e.applicant_id for e in enrolments})
    leased = await subsidies_repo.in_talent_apartment(session, applicants, add_months(month, 1))
    insured = await subsidies_repo.later_social_insurance(
        session, [e.id for e in enrolments], OutsideSystem.SOCIAL_INSURANCE.value, tuple(CONFIRMED)
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
    due: list[tuple[Enrolment, int]], facts: dict[uuid.UUID, dict[str, Any]], month: date
) -> tuple[dict[uuid.UUID, str], dict[uuid.UUID, dict[str, object]]]:
    """Each enrolment's re-check status, and the policy version and conditions it checked."""
    library = load_library()
    out: dict[uuid.UUID, str] = {}
    checked: dict[uuid.UUID, dict[str, object]] = {}
    by_policy: dict[str, list[tuple[Enrolment, int]]] = {}
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
        for e, index in group:
            checked[e.id] = {
                "policy_version": version.version,
                "checked": list(condition_ids(version.spec, index + 1)),
            }
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
    ended = found.status == "ineligible"
    enrolment.status = "ended" if ended else "suspended"
    prefix = "no longer eligible" if ended else "cannot be checked"
    enrolment.status_reason = f"{prefix} ({ids}): {reason.zh} / {reason.en}"[:500]
    await _notify(
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


async def _load_cycle(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID
) -> PaymentCycle:
    cycle = await subsidies_repo.lock_cycle(session, cycle_id)
    if cycle is None or cycle.district != principal.district:
        raise NotFound()
    return cycle


async def review(session: AsyncSession, principal: Principal, cycle_id: uuid.UUID) -> CycleRead:
    _require(principal, Permission.PREPARE_PAYMENTS)
    cycle = await _load_cycle(session, principal, cycle_id)
    if cycle.status == "computed":
        cycle.status, cycle.maker_user_id, cycle.reviewed_at = (
            "reviewed",
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
    return await _cycle_view(session, cycle)


async def approve(session: AsyncSession, principal: Principal, cycle_id: uuid.UUID) -> CycleRead:
    """The checker must not be the maker (four eyes); approving twice changes nothing."""
    _require(principal, Permission.CHECK_PAYMENTS)
    cycle = await _load_cycle(session, principal, cycle_id)
    if cycle.status == "computed":
        raise Conflict(N_("A finance maker must review this cycle before it is approved."))
    if cycle.maker_user_id == principal.user_id:
        raise PermissionDenied(N_("The person who prepared a payment cycle cannot approve it."))
    if cycle.status == "reviewed":
        cycle.status, cycle.checker_user_id, cycle.approved_at = (
            "approved",
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
    return await _cycle_view(session, cycle)


async def batch_file(session: AsyncSession, principal: Principal, cycle_id: uuid.UUID) -> str:
    """The bank's payment file: one row per entitlement, names masked, accounts in full (the bank
    needs them); each export is audited."""
    if not (principal.can(Permission.PREPARE_PAYMENTS) or principal.can(Permission.CHECK_PAYMENTS)):
        raise PermissionDenied()
    cycle = await _load_cycle(session, principal, cycle_id)
    if cycle.status not in ("approved", "reconciled"):
        raise Conflict(N_("Only an approved cycle can be exported."))
    settings = get_settings()
    columns = settings.payment_batch_columns
    payer = {
        "payer_name": settings.payment_batch_payer_name,
        "payer_account": settings.payment_batch_payer_account,
        "bank_code": settings.payment_batch_bank_code,
    }
    if any(not payer[c] for c in columns if c in payer):
        raise Conflict(
            N_(
                "The bank file needs the paying account's details, which are not set up. Ask "
                "the system administrator to set them (TALENT_PAYMENT_BATCH_*)."
            )
        )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for ent, enrolment in await subsidies_repo.entitlements_with_enrolments(session, cycle.id):
        values = {
            **payer,
            "entitlement_id": ent.id,
            "account_name": mask_name(enrolment.account_name),
            "amount_cny": ent.amount_cny,
            "currency": settings.payment_batch_currency,
            "month": cycle.month.isoformat(),
            "district": cycle.district,
        }
        if "bank_account" in columns:
            values["bank_account"] = protection.cipher().decrypt(
                enrolment.bank_account_enc, _ACCOUNT_CONTEXT
            )
        writer.writerow([values[c] for c in columns])
    await audit.record(
        session,
        "subsidy.batch_exported",
        actor=principal,
        object_type="payment_cycle",
        object_id=cycle.id,
    )
    return out.getvalue()


async def reconcile(
    session: AsyncSession, principal: Principal, cycle_id: uuid.UUID, csv_text: str
) -> CycleRead:
    """The bank's result file (entitlement_id,status,reference,reason). The same file twice, or
    a row for an entitlement already settled, changes nothing."""
    _require(principal, Permission.PREPARE_PAYMENTS)
    cycle = await _load_cycle(session, principal, cycle_id)
    if cycle.status not in ("approved", "reconciled"):
        raise Conflict(N_("Only an approved cycle can be reconciled."))
    digest = hashlib.sha256(csv_text.encode()).hexdigest()
    if cycle.result_file_sha256 == digest:
        return await _cycle_view(session, cycle)
    entitlements = {e.id: e for e in await subsidies_repo.entitlements(session, cycle.id)}
    problems: list[FieldError] = []
    updates: list[tuple[Entitlement, str, str, str]] = []
    for line, row in enumerate(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))), start=2):
        try:
            ent = entitlements[uuid.UUID((row.get("entitlement_id") or "").strip())]
        except (ValueError, KeyError):
            problems.append(
                FieldError(
                    f"row {line}",
                    "unknown_entitlement",
                    N_("Row {row}, {field}: {reason}"),
                    {"row": line, "field": "entitlement_id", "reason": "unknown"},
                )
            )
            continue
        status = (row.get("status") or "").strip()
        if status not in ("paid", "failed"):
            problems.append(
                FieldError(
                    f"row {line}",
                    "invalid_status",
                    N_("Row {row}, {field}: {reason}"),
                    {"row": line, "field": "status", "reason": "paid or failed"},
                )
            )
            continue
        updates.append(
            (
                ent,
                status,
                (row.get("reference") or "").strip()[:60],
                (row.get("reason") or "").strip()[:200],
            )
        )
    if problems:
        raise ValidationFailed(field_errors=problems)
    for ent, status, reference, reason in updates:
        if ent.status != "due":
            continue  # already settled by an earlier file
        ent.status, ent.bank_reference = status, reference or None
        if status == "failed":
            ent.failure_reason = reason or None
            continue
        enrolment = await subsidies_repo.get_enrolment(session, ent.enrolment_id)
        assert enrolment is not None
        # A carried payment settles the month its failed original could not.
        enrolment.total_paid_cny += ent.amount_cny
        enrolment.months_paid += 1
        await _notify(
            session,
            enrolment,
            "subsidy.payment",
            {
                "amount": ent.amount_cny,
                "period": add_months(enrolment.starts_on, ent.month_index),
            },
            dedup=f"payment:{ent.id}",
        )
    cycle.result_file_sha256 = digest
    if all(e.status != "due" for e in entitlements.values()):
        cycle.status, cycle.reconciled_at = "reconciled", utcnow()
    await audit.record(
        session,
        "subsidy.reconciled",
        actor=principal,
        object_type="payment_cycle",
        object_id=cycle.id,
        detail={"rows": len(updates)},
    )
    await session.flush()
    return await _cycle_view(session, cycle)


async def _notify(
    session: AsyncSession,
    enrolment: Enrolment,
    template: str,
    extra: dict[str, Any],
    dedup: str | None = None,
    reason: Text | None = None,
) -> None:
    applicant = await accounts_repo.get_applicant_by_id(session, enrolment.applicant_id)
    case = await session.get(Case, enrolment.case_id)
    service = await catalog_repo.get(session, case.service_id) if case else None
    if applicant is None or case is None or service is None:
        return
    lang = applicant.user.language
    await notifications.enqueue(
        session,
        recipient_user_id=applicant.user_id,
        template=template,
        payload={
            "case_number": case.number,
            "service_name": service.name_zh if lang == "zh" else service.name_en,
            **extra,
            **({"reason": reason.zh if lang == "zh" else reason.en} if reason else {}),
        },
        language=lang,
        dedup_key=dedup or f"enrolment:{enrolment.id}:{template}",
        case_id=case.id,
        read_back=False,
    )


async def my_subsidies(session: AsyncSession, principal: Principal) -> list[EnrolmentRead]:
    if principal.applicant_id is None:
        raise PermissionDenied()
    out = []
    for e in await subsidies_repo.enrolments_for_applicant(session, principal.applicant_id):
        payments = [
            EntitlementRead(
                id=p.id,
                month=add_months(e.starts_on, p.month_index),
                month_index=p.month_index,
                amount_cny=p.amount_cny,
                status=p.status,
                carried=p.carried_from_id is not None,
            )
            for p in await subsidies_repo.entitlements_for_enrolment(session, e.id)
        ]
        out.append(
            EnrolmentRead(
                id=e.id,
                case_id=e.case_id,
                policy_id=e.policy_id,
                schedule=e.schedule,
                cap_total_cny=e.cap_total_cny,
                starts_on=e.starts_on,
                months_paid=e.months_paid,
                total_paid_cny=e.total_paid_cny,
                status=e.status,
                status_reason=e.status_reason,
                bank_account_masked=e.bank_account_masked,
                payments=payments,
            )
        )
    return out


class EnrolmentCreate(BaseModel):
    case_id: uuid.UUID
    account_name: str
    bank_account: str


SUBSIDY_SERVICES = ("rent_subsidy", "returnee_apartment_subsidy")


async def start_payments(
    session: AsyncSession, principal: Principal, data: EnrolmentCreate
) -> EnrolmentRead:
    """The applicant gives the account to pay into once their subsidy case is approved."""
    if principal.applicant_id is None:
        raise PermissionDenied()
    case = await session.get(Case, data.case_id)
    if case is None or case.applicant_id != principal.applicant_id:
        raise NotFound()
    service = await catalog_repo.get(session, case.service_id)
    if (
        service is None
        or service.code not in SUBSIDY_SERVICES
        or case.status not in ("approved", "result_issued", "closed")
    ):
        raise Conflict(N_("Payments can start once a subsidy application has been approved."))
    name = data.account_name.strip()
    if not 1 <= len(name) <= 100:
        raise ValidationFailed(
            field_errors=[
                FieldError("account_name", "required", N_("Enter the account holder's name."))
            ]
        )
    enrolment = await enrol(session, case, account_name=name, bank_account=data.bank_account)
    await audit.record(
        session,
        "subsidy.enrolled",
        actor=principal,
        object_type="enrolment",
        object_id=enrolment.id,
    )
    return next(e for e in await my_subsidies(session, principal) if e.id == enrolment.id)


async def list_cycles(session: AsyncSession, principal: Principal) -> list[CycleRead]:
    if not (principal.can(Permission.PREPARE_PAYMENTS) or principal.can(Permission.CHECK_PAYMENTS)):
        raise PermissionDenied()
    assert principal.district is not None
    return [
        await _cycle_view(session, c)
        for c in await subsidies_repo.list_cycles(session, principal.district)
    ]


async def change_status(
    session: AsyncSession, principal: Principal, enrolment_id: uuid.UUID, action: str, reason: str
) -> EnrolmentRead:
    """Suspend, resume or terminate an enrolment, with a reason the beneficiary is told."""
    district = _require(principal, Permission.PREPARE_PAYMENTS)
    enrolment = await subsidies_repo.get_enrolment(session, enrolment_id)
    if enrolment is None or enrolment.district != district:
        raise NotFound()
    reason = reason.strip()
    if not 2 <= len(reason) <= 500:
        raise ValidationFailed(
            field_errors=[FieldError("reason", "required", N_("Give a reason."))]
        )
    transitions = {
        "suspend": ("active", "suspended"),
        "resume": ("suspended", "active"),
        "terminate": (None, "ended"),
    }
    if action not in transitions:
        raise NotFound()
    before, after = transitions[action]
    if enrolment.status == "ended" or (before is not None and enrolment.status != before):
        raise Conflict(N_("This change is not possible in the enrolment's current status."))
    enrolment.status, enrolment.status_reason = after, reason
    template = {
        "suspend": "subsidy.suspended",
        "resume": "subsidy.resumed",
        "terminate": "subsidy.ended",
    }[action]
    await _notify(
        session,
        enrolment,
        template,
        {"reason": reason},
        dedup=f"enrolment:{enrolment.id}:{action}:{utcnow().isoformat()}",
    )
    await audit.record(
        session,
        f"subsidy.{action}",
        actor=principal,
        object_type="enrolment",
        object_id=enrolment.id,
        detail={"reason": reason},
    )
    await session.flush()
    applicant = await accounts_repo.get_applicant_by_id(session, enrolment.applicant_id)
    assert applicant is not None
    return EnrolmentRead(
        id=enrolment.id,
        case_id=enrolment.case_id,
        policy_id=enrolment.policy_id,
        schedule=enrolment.schedule,
        cap_total_cny=enrolment.cap_total_cny,
        starts_on=enrolment.starts_on,
        months_paid=enrolment.months_paid,
        total_paid_cny=enrolment.total_paid_cny,
        status=enrolment.status,
        status_reason=enrolment.status_reason,
        bank_account_masked=enrolment.bank_account_masked,
        payments=[],
    )
