"""Enrolments: an approved subsidy case enrolled with its payment schedule, its status changes,
and the recipient's own view."""

from __future__ import annotations

import uuid

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import (
    BenefitAlreadyHeld,
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from app.i18n import N_
from app.models import Case, Enrolment
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import catalog as catalog_repo
from app.repositories import subsidies as subsidies_repo
from app.repositories.unit_of_work import AsyncSession, IntegrityError, violates
from app.schemas.forms import SubsidyEnrolment
from app.schemas.payments import EnrolmentRead, EntitlementRead
from app.services import audit, protection
from app.services.payments.common import (
    ACCOUNT_CONTEXT,
    add_months,
    first_of_month,
    mask_account,
    notify_enrollee,
    require_permission,
    schedule_from,
)
from app.workflow.payments import ENROLMENTS, STAFF_ENROLMENT_EVENTS, EnrolmentEvent
from app.workflow.states import CaseStatus
from app.workflow.values import local_date


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
    if service.benefit is not None and case.applicant_id is not None:
        # Two approved cases for one benefit (one closed before the other was applied for)
        # still make one enrolment; the unique index stops a concurrent second one.
        held = await subsidies_repo.enrolled_for_benefit(
            session, case.applicant_id, service.benefit
        )
        if held is not None:
            raise BenefitAlreadyHeld(params={"case": held})
    enrolment = Enrolment(
        case_id=case.id,
        applicant_id=case.applicant_id,
        district=case.district,
        policy_id=service.policy_id,
        benefit=service.benefit,
        schedule=schedule,
        cap_total_cny=cap,
        starts_on=add_months(first_of_month(local_date(utcnow())), 1),
        account_name=account_name,
        bank_account_enc=protection.cipher().encrypt(account, ACCOUNT_CONTEXT),
        bank_account_masked=mask_account(account),
    )
    session.add(enrolment)
    try:
        await session.flush()
    except IntegrityError as exc:
        if not violates(exc, subsidies_repo.BENEFIT_ENROLMENT_INDEX):
            raise
        raise BenefitAlreadyHeld(
            N_("Payments for this benefit have just started through another case.")
        ) from exc
    return enrolment


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


SUBSIDY_SERVICES = ("rent_subsidy", "returnee_apartment_subsidy")


async def start_payments(
    session: AsyncSession, principal: Principal, data: SubsidyEnrolment
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
        or case.status not in CaseStatus.APPROVAL_STANDS
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


# The notice the beneficiary gets for each change staff make.
_NOTICES: dict[EnrolmentEvent, str] = {
    EnrolmentEvent.SUSPEND: "subsidy.suspended",
    EnrolmentEvent.RESUME: "subsidy.resumed",
    EnrolmentEvent.TERMINATE: "subsidy.ended",
}


async def change_status(
    session: AsyncSession, principal: Principal, enrolment_id: uuid.UUID, action: str, reason: str
) -> EnrolmentRead:
    """Suspend, resume or terminate an enrolment, with a reason the beneficiary is told."""
    district = require_permission(principal, Permission.PREPARE_PAYMENTS)
    enrolment = await subsidies_repo.get_enrolment(session, enrolment_id)
    if enrolment is None or enrolment.district != district:
        raise NotFound()
    reason = reason.strip()
    if not 2 <= len(reason) <= 500:
        raise ValidationFailed(
            field_errors=[FieldError("reason", "required", N_("Give a reason."))]
        )
    if action not in STAFF_ENROLMENT_EVENTS:
        raise NotFound()
    event = EnrolmentEvent(action)
    if not ENROLMENTS.allows(enrolment.status, event):
        raise Conflict(N_("This change is not possible in the enrolment's current status."))
    enrolment.status, enrolment.status_reason = ENROLMENTS.advance(enrolment.status, event), reason
    template = _NOTICES[event]
    await notify_enrollee(
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
