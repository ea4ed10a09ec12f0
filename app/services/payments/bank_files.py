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
from app.models.base import utcnow
from app.repositories import payment_runs as runs_repo
from app.repositories.payment_runs import LineState
from app.repositories.unit_of_work import AsyncSession
from app.schemas.payments import CycleRead
from app.services import audit, notifications, protection
from app.services.payments.common import (
    ACCOUNT_CONTEXT,
    add_months,
    mask_name,
    require_permission,
)
from app.services.payments.cycles import cycle_view, load_cycle
from app.services.payments.grant_runs import settle_grants
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
    cipher = protection.cipher()
    fixed = {
        **payer,
        "currency": settings.payment_batch_currency,
        "month": cycle.month.isoformat(),
        "district": cycle.district,
    }
    # Streamed in batches from a server-side cursor: monthly and one-off lines alike.
    async for batch in runs_repo.bank_rows(session, cycle.id):
        for row in batch:
            values: dict[str, object] = {
                **fixed,
                "entitlement_id": row.id,
                "account_name": mask_name(row.account_name),
                "amount_cny": row.amount_cny,
            }
            if "bank_account" in columns:
                values["bank_account"] = cipher.decrypt(row.bank_account_enc, ACCOUNT_CONTEXT)
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
    lines = await runs_repo.line_states(session, cycle.id)
    problems: list[FieldError] = []
    updates: list[tuple[LineState, EntitlementEvent, str, str]] = []
    for line, row in enumerate(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))), start=2):
        try:
            state = lines[uuid.UUID((row.get("entitlement_id") or "").strip())]
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
                state,
                EntitlementEvent(status),
                (row.get("reference") or "").strip()[:60],
                (row.get("reason") or "").strip()[:200],
            )
        )
    if problems:
        raise ValidationFailed(field_errors=problems)
    # Only lines still due are settled: a row an earlier file settled changes nothing.
    settled = [u for u in updates if ENTITLEMENTS.allows(u[0].status, u[1])]
    await runs_repo.settle_lines(
        session,
        [
            (
                state.id,
                ENTITLEMENTS.advance(state.status, event),
                reference or None,
                (reason or None) if event is EntitlementEvent.FAILED else None,
            )
            for state, event, reference, reason in settled
        ],
    )
    paid = [state for state, event, _r, _w in settled if event is EntitlementEvent.PAID]
    # A carried payment settles the month its failed original could not.
    await runs_repo.credit_enrolments(
        session, [(s.enrolment_id, s.amount_cny) for s in paid if s.enrolment_id], utcnow()
    )
    await _tell_monthly_paid(session, [s.id for s in paid if s.enrolment_id])
    await settle_grants(
        session, [(state, event, reason) for state, event, _r, reason in settled if state.grant_id]
    )
    cycle.result_file_sha256 = digest
    states = {s.id: s.status for s in lines.values()}
    states.update({state.id: ENTITLEMENTS.advance(state.status, e) for state, e, _r, _w in settled})
    if all(status != EntitlementStatus.DUE for status in states.values()):
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
        detail={"rows": len(updates), "settled": len(settled)},
    )
    await session.flush()
    return await cycle_view(session, cycle)


async def _tell_monthly_paid(session: AsyncSession, line_ids: list[uuid.UUID]) -> None:
    """Each paid month's notice in its beneficiary's language, written in batches with the
    addresses read in the same query (no lookup per payment)."""
    for start in range(0, len(line_ids), 20_000):
        notices: list[notifications.Notice] = []
        for r in await runs_repo.paid_monthly_recipients(session, line_ids[start : start + 20_000]):
            lang = r.language
            notices.append(
                notifications.Notice(
                    recipient_user_id=r.user_id,
                    template="subsidy.payment",
                    payload={
                        "case_number": r.case_number,
                        "service_name": r.service_zh if lang == "zh" else r.service_en,
                        "amount": r.amount_cny,
                        "period": add_months(r.starts_on, r.month_index) if r.starts_on else "",
                    },
                    language=lang,
                    dedup_key=f"payment:{r.line_id}",
                    case_id=r.case_id,
                    contact=notifications.Contact(kind=r.user_kind, email=r.email, mobile=r.mobile),
                )
            )
        await notifications.enqueue_many(session, notices)
