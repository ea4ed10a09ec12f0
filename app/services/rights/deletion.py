"""Delete my account (PIPL Art. 47). Refused, with the reason, while a case or a payment is
open. Otherwise the login is disabled at once (password replaced, sessions revoked, consents
withdrawn), and what is not a record the law keeps is erased: profile, messages, drafts, the
wallet's documents not attached to a kept case (files too). A kept record stays with the name
and ID number it was decided on, until its retention ends (the retention rules decide that).
A confirmation goes to the e-mail address, which is erased by the worker's round once the
message has left the outbox."""

from __future__ import annotations

import secrets
import uuid

from app.domain.principal import Principal
from app.errors import Conflict, FieldError, ValidationFailed
from app.i18n import N_, gettext
from app.models import AccountDeletion, Applicant, Case
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import rights as rights_repo
from app.repositories import sessions as sessions_repo
from app.repositories.unit_of_work import (
    AsyncSession,
    SyncSession,
    after_commit,
    async_sessionmaker,
)
from app.schemas.rights import AccountDeletionRequest, DeletionCheck, DeletionResult
from app.security import passwords
from app.services import audit, notifications, protection
from app.services.documents import storage
from app.services.rights.exports import export_dir
from app.workflow.applications import ApplicationStatus
from app.workflow.outbox import OutboxStatus
from app.workflow.payments import EnrolmentStatus, EntitlementStatus
from app.workflow.rights import EXPORT, ExportEvent
from app.workflow.states import CaseStatus

_ERASED_FILES = "rights_erased_files"
_ERASED_EXPORTS = "rights_erased_exports"
_ERASED = "—"

REASON_OPEN_CASE = N_(
    "Your application {cases} is still open. You can delete your account once it has been "
    "decided, withdrawn or closed."
)
REASON_OPEN_PAYMENT = N_(
    "Payments from case {cases} are still running or due. You can delete your account once "
    "they have ended and been paid."
)
ERR_PASSWORD = N_("The password is not right. Enter the password you sign in with.")


class AccountDeletionRefused(Conflict):
    code = "account_deletion_refused"
    title = N_("Your account cannot be deleted yet")


@after_commit
def _erase_committed_files(session: SyncSession) -> None:
    for key in session.info.pop(_ERASED_FILES, []):
        storage().delete(key)
    for key in session.info.pop(_ERASED_EXPORTS, []):
        (export_dir() / key).unlink(missing_ok=True)


async def records_kept_by_law(session: AsyncSession, applicant_id: uuid.UUID) -> list[Case]:
    """The person's cases the law keeps a record of. The retention rules per service and
    result (issue 22, item 1) plug in here; until then every case that reached a final status
    is kept (assumed: no rule is sourced yet, so nothing decided is erased)."""
    return [
        case
        for case in await rights_repo.decided_cases(session, applicant_id)
        if CaseStatus(case.status) in CaseStatus.FINAL
    ]


async def check(session: AsyncSession, principal: Principal, lang: str) -> DeletionCheck:
    applicant_id = principal.applicant_id
    if applicant_id is None:
        return DeletionCheck(
            allowed=False, reasons=[], open_cases=[], open_payments=[], records_kept=0
        )
    open_cases = await rights_repo.open_case_numbers(session, applicant_id)
    payments = await rights_repo.open_payment_cases(
        session, applicant_id, EnrolmentStatus.ENDED.value, EntitlementStatus.DUE.value
    )
    reasons = []
    if open_cases:
        reasons.append(gettext(lang, REASON_OPEN_CASE, {"cases": ", ".join(open_cases)}))
    if payments:
        reasons.append(gettext(lang, REASON_OPEN_PAYMENT, {"cases": ", ".join(payments)}))
    kept = await records_kept_by_law(session, applicant_id)
    return DeletionCheck(
        allowed=not reasons,
        reasons=reasons,
        open_cases=open_cases,
        open_payments=payments,
        records_kept=len(kept),
    )


async def delete_account(
    session: AsyncSession, principal: Principal, data: AccountDeletionRequest, lang: str
) -> DeletionResult:
    user = await rights_repo.get_user_for_update(session, principal.user_id)
    if user is None or principal.applicant_id is None:
        raise AccountDeletionRefused()
    if not passwords.verify_password(user.password_hash, data.password):
        raise ValidationFailed(
            field_errors=[FieldError("password", "wrong_password", ERR_PASSWORD)]
        )
    verdict = await check(session, principal, lang)
    if not verdict.allowed:
        raise AccountDeletionRefused(" ".join(verdict.reasons))
    now = utcnow()
    applicant = await accounts_repo.get_applicant_by_id(session, principal.applicant_id)
    assert applicant is not None
    kept = await records_kept_by_law(session, applicant.id)
    # The login ends for good: no password opens it, no session or link is left.
    user.is_active = False
    user.password_hash = passwords.hash_password(secrets.token_urlsafe(32))
    user.totp_secret_enc = None
    await sessions_repo.revoke_all_for_user(session, user.id, now)
    await sessions_repo.use_up_reset_tokens(session, user.id, now)
    await rights_repo.withdraw_all_consents(session, user.id, now)
    await rights_repo.drop_messages(
        session, user.id, [OutboxStatus.SENT.value, OutboxStatus.FAILED.value]
    )
    for draft in await rights_repo.drafts_of(session, applicant.id, ApplicationStatus.DRAFT.value):
        draft.answers, draft.documents = {}, {}
    erased_files = []
    for doc in await rights_repo.documents_outside_cases(
        session, applicant.id, {c.id for c in kept}
    ):
        erased_files.append(doc.storage_key)
        doc.deleted_at, doc.original_name = now, _ERASED
    session.sync_session.info.setdefault(_ERASED_FILES, []).extend(erased_files)
    # Copies of the data already prepared go too (their links die with the login anyway).
    for export in await rights_repo.exports_of(session, user.id, limit=1000):
        if export.storage_key:
            session.sync_session.info.setdefault(_ERASED_EXPORTS, []).append(export.storage_key)
            export.storage_key = None
            if EXPORT.allows(export.status, ExportEvent.EXPIRE):
                export.status = EXPORT.advance(export.status, ExportEvent.EXPIRE).value
    _erase_profile(applicant, keep_identity=bool(kept))
    confirmation_key = f"account_deleted:{user.id}"
    session.add(
        AccountDeletion(
            user_id=user.id,
            deleted_at=now,
            records_kept=len(kept),
            confirmation_key=confirmation_key,
        )
    )
    await notifications.enqueue(
        session,
        read_back=False,
        recipient_user_id=user.id,
        template="account.deleted",
        payload={},
        language=user.language,
        dedup_key=confirmation_key,
        channels=[notifications.EMAIL],
    )
    await audit.record(
        session,
        "account.deleted",
        actor=principal,
        object_type="user",
        object_id=user.id,
        detail={"records_kept": len(kept), "files_erased": len(erased_files)},
    )
    await session.flush()
    return DeletionResult(deleted=True, records_kept=len(kept))


def _erase_profile(applicant: Applicant, *, keep_identity: bool) -> None:
    applicant.mobile = None
    applicant.profile_facts = {}
    if keep_identity:
        return  # the kept records name the person they were decided for
    applicant.full_name = _ERASED
    applicant.id_number_enc = protection.encrypt_id("")
    applicant.id_number_index = f"erased:{applicant.id.hex}"
    applicant.id_number_masked = _ERASED


async def erase_confirmed_emails(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """The worker's round: erases a deleted account's e-mail address once its confirmation has
    left the outbox (sent, or given up)."""
    erased = 0
    async with sessionmaker() as session, session.begin():
        waiting = await rights_repo.deletions_keeping_email(session)
        pending = await rights_repo.pending_confirmations(
            session, [d.confirmation_key for d in waiting], OutboxStatus.PENDING.value
        )
        now = utcnow()
        for deletion in waiting:
            if deletion.confirmation_key in pending:
                continue
            user = await rights_repo.get_user_for_update(session, deletion.user_id)
            if user is not None:
                user.email = f"deleted-{user.id.hex}@deleted.invalid"
            deletion.email_erased_at = now
            erased += 1
    return erased
