"""The bank's payment file for an approved cycle and the reconciliation of its result file;
failed payments carry to the next cycle."""

from __future__ import annotations

import csv
import hashlib
import io
import uuid

from app.config import get_settings
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import Entitlement
from app.models.base import utcnow
from app.repositories import subsidies as subsidies_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.payments import CycleRead
from app.services import audit, protection
from app.services.payments.common import (
    ACCOUNT_CONTEXT,
    add_months,
    mask_name,
    notify_enrollee,
    require_permission,
)
from app.services.payments.cycles import cycle_view, load_cycle
from app.workflow.payments import (
    BANK_RESULTS,
    ENTITLEMENTS,
    EntitlementEvent,
    EntitlementStatus,
    PaymentCycleStatus,
)


async def batch_file(session: AsyncSession, principal: Principal, cycle_id: uuid.UUID) -> str:
    """The bank's payment file: one row per entitlement, names masked, accounts in full (the bank
    needs them); each export is audited."""
    if not (principal.can(Permission.PREPARE_PAYMENTS) or principal.can(Permission.CHECK_PAYMENTS)):
        raise PermissionDenied()
    cycle = await load_cycle(session, principal, cycle_id)
    if cycle.status not in PaymentCycleStatus.EXPORTABLE:
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
                enrolment.bank_account_enc, ACCOUNT_CONTEXT
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
    require_permission(principal, Permission.PREPARE_PAYMENTS)
    cycle = await load_cycle(session, principal, cycle_id)
    if cycle.status not in PaymentCycleStatus.EXPORTABLE:
        raise Conflict(N_("Only an approved cycle can be reconciled."))
    digest = hashlib.sha256(csv_text.encode()).hexdigest()
    if cycle.result_file_sha256 == digest:
        return await cycle_view(session, cycle)
    entitlements = {e.id: e for e in await subsidies_repo.entitlements(session, cycle.id)}
    problems: list[FieldError] = []
    updates: list[tuple[Entitlement, EntitlementEvent, str, str]] = []
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
        if status not in BANK_RESULTS:
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
                EntitlementEvent(status),
                (row.get("reference") or "").strip()[:60],
                (row.get("reason") or "").strip()[:200],
            )
        )
    if problems:
        raise ValidationFailed(field_errors=problems)
    for ent, event, reference, reason in updates:
        if not ENTITLEMENTS.allows(ent.status, event):
            continue  # already settled by an earlier file
        ent.status, ent.bank_reference = ENTITLEMENTS.advance(ent.status, event), reference or None
        if event is EntitlementEvent.FAILED:
            ent.failure_reason = reason or None
            continue
        enrolment = await subsidies_repo.get_enrolment(session, ent.enrolment_id)
        assert enrolment is not None
        # A carried payment settles the month its failed original could not.
        enrolment.total_paid_cny += ent.amount_cny
        enrolment.months_paid += 1
        await notify_enrollee(
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
    if all(e.status != EntitlementStatus.DUE for e in entitlements.values()):
        # Assigned rather than moved through CYCLES: a later result file for a cycle already
        # reconciled (a correction from the bank) records when it was reconciled again, and
        # reconciled -> reconciled is no move of the table.
        cycle.status, cycle.reconciled_at = PaymentCycleStatus.RECONCILED, utcnow()
    await audit.record(
        session,
        "subsidy.reconciled",
        actor=principal,
        object_type="payment_cycle",
        object_id=cycle.id,
        detail={"rows": len(updates)},
    )
    await session.flush()
    return await cycle_view(session, cycle)
