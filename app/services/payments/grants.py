"""One-off grants paid through finance: an approved money decision becomes one payable grant
(``grant_payment``) for the amount decided, to the applicant or to the organisation that filed
the case; it waits for a bank account, then the next payment run pays it beside the monthly
rent subsidies (``cycles``, ``bank_files``)."""

from __future__ import annotations

import uuid
from typing import Any

from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_, gettext, localized
from app.models import Case, CaseEvent, GrantPayment, OrganisationBankAccount, Service
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.repositories import grants as grants_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.grants import GrantAccount, GrantRead
from app.services import audit, notifications, protection
from app.services.payments.common import ACCOUNT_CONTEXT, mask_account, payment_label
from app.workflow.grants import GRANTS, GrantEvent, GrantStatus, case_rules_amount, status_label
from app.workflow.states import ActorRole


def checked_account(bank_account: str) -> str:
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
    return account


def _title(grant: GrantPayment, service: Service | None, lang: str) -> str:
    if service is not None:
        return localized(service, "name", lang)
    return (grant.title_zh if lang == "zh" else grant.title_en) or ""


def _label(grant: GrantPayment, case_number: str | None, count: int, lang: str) -> str:
    return payment_label(case_number, grant.title_zh, grant.title_en, grant.instalment, count, lang)


def grant_view(
    grant: GrantPayment, case_number: str, service: Service | None, lang: str
) -> GrantRead:
    return GrantRead(
        id=grant.id,
        case_id=grant.case_id,
        case_number=case_number,
        service_name=_title(grant, service, lang),
        beneficiary_name=grant.beneficiary_name,
        amount_cny=grant.amount_cny,
        status=grant.status,
        status_label=gettext(
            lang, status_label(grant.status, award_instalment=grant.register_entry_id is not None)
        ),
        bank_account_masked=grant.bank_account_masked,
        returned_reason=grant.returned_reason,
        paid_at=grant.paid_at,
        register_entry_id=grant.register_entry_id,
        instalment=grant.instalment,
        payable_on=grant.payable_on,
        amount_assumed=grant.amount_assumed,
    )


async def notify_beneficiary(
    session: AsyncSession,
    grant: GrantPayment,
    template: str,
    extra: dict[str, Any],
    key: str = "",
) -> None:
    """Tells the person, or every user of the organisation, in their language (organisations'
    users read Chinese, as the engine's employer notices do)."""
    case = await session.get(Case, grant.case_id) if grant.case_id else None
    service = await catalog_repo.get(session, grant.service_id) if grant.service_id else None
    if grant.register_entry_id is None and (case is None or service is None):
        return
    recipients: list[tuple[uuid.UUID, str]] = []
    if grant.applicant_id is not None:
        applicant = await accounts_repo.get_applicant_by_id(session, grant.applicant_id)
        if applicant is not None:
            recipients.append((applicant.user_id, applicant.user.language))
    elif grant.organisation_id is not None:
        for user_id in await cases_repo.employer_user_ids(session, grant.organisation_id):
            recipients.append((user_id, "zh"))
    count = (
        await grants_repo.award_instalment_count(session, grant.register_entry_id)
        if grant.register_entry_id is not None
        else 0
    )
    for user_id, lang in recipients:
        await notifications.enqueue(
            session,
            recipient_user_id=user_id,
            template=template,
            payload={
                "case_number": _label(grant, case.number if case else None, count, lang),
                "service_name": _title(grant, service, lang),
                "amount": grant.amount_cny,
                **extra,
            },
            language=lang,
            dedup_key=f"grant:{grant.id.hex}:{template}:{key}:{user_id.hex[:8]}",
            case_id=case.id if case else None,
            read_back=False,
        )


async def entitle(session: AsyncSession, case: Case, service: Service) -> None:
    """The approved decision's grant, made once: ``case_id`` is unique and the insert skips a
    grant already there, so a retried or concurrent approval's follow-up adds nothing."""
    amount = case.decided_amount_cny or case_rules_amount(case.eligibility_result)
    if not amount:
        return  # the engine refuses to approve a money decision without an amount, or for 0
    account: OrganisationBankAccount | None = None
    if case.organisation_id is not None:
        name = await grants_repo.employer_name(session, case.organisation_id) or ""
        account = await grants_repo.organisation_account(session, case.organisation_id)
    else:
        applicant = await accounts_repo.get_applicant_by_id(session, case.applicant_id)
        name = applicant.full_name if applicant else ""
    now = utcnow()
    added = await grants_repo.add_grant_once(
        session,
        {
            "id": uuid.uuid4(),
            "case_id": case.id,
            "service_id": service.id,
            "district": case.district,
            "applicant_id": None if case.organisation_id else case.applicant_id,
            "organisation_id": case.organisation_id,
            "beneficiary_name": name[:200],
            "amount_cny": amount,
            "status": (GrantStatus.READY if account else GrantStatus.AWAITING_ACCOUNT).value,
            "account_name": account.account_name if account else None,
            "bank_account_enc": account.bank_account_enc if account else None,
            "bank_account_masked": account.bank_account_masked if account else None,
            "created_at": now,
            "updated_at": now,
        },
    )
    grant = await grants_repo.grant_for_case(session, case.id)
    if not added or grant is None:
        return
    await audit.record(
        session,
        "grant.entitled",
        actor=None,
        object_type="grant_payment",
        object_id=grant.id,
        district=grant.district,
        detail={"case": case.number, "amount_cny": amount},
    )
    if account is None:
        await notify_beneficiary(session, grant, "grant.account_needed", {})


async def cancel_unpaid(session: AsyncSession, case: Case) -> None:
    """A revoked approval cancels its grant unless a payment run already holds it (the bank's
    result settles that one)."""
    grant = await grants_repo.lock_grant_for_case(session, case.id)
    if grant is not None and GRANTS.allows(grant.status, GrantEvent.CANCEL):
        grant.status = GRANTS.advance(grant.status, GrantEvent.CANCEL)
        await session.flush()


async def _pay_into(
    session: AsyncSession,
    principal: Principal,
    grants: list[GrantPayment],
    data: GrantAccount,
) -> None:
    """The person's own grants that may still take an account are paid into this one; a
    grant the bank returned is ready again with it."""
    open_ = [g for g in grants if GRANTS.allows(g.status, GrantEvent.ACCOUNT_GIVEN)]
    if not open_:
        raise Conflict(N_("This payment is with the bank or settled; its account is fixed."))
    account = checked_account(data.bank_account)
    encrypted = protection.cipher().encrypt(account, ACCOUNT_CONTEXT)
    for grant in open_:
        grant.account_name = data.account_name.strip()
        grant.bank_account_enc = encrypted
        grant.bank_account_masked = mask_account(account)
        grant.status = GRANTS.advance(grant.status, GrantEvent.ACCOUNT_GIVEN)
        grant.returned_reason = None
        await audit.record(
            session,
            "grant.account_given",
            actor=principal,
            object_type="grant_payment",
            object_id=grant.id,
            district=grant.district,
        )
    await session.flush()


async def give_account(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID, data: GrantAccount, lang: str
) -> GrantRead:
    """The person gives (or, before the run takes it, changes) the account a grant of their own
    case is paid into."""
    if principal.applicant_id is None:
        raise PermissionDenied()
    grant = await grants_repo.lock_grant_for_case(session, case_id)
    if grant is None or grant.applicant_id != principal.applicant_id:
        raise NotFound()
    await _pay_into(session, principal, [grant], data)
    return next(g for g in await my_grants(session, principal, lang) if g.case_id == case_id)


async def give_award_account(
    session: AsyncSession,
    principal: Principal,
    register_entry_id: uuid.UUID,
    data: GrantAccount,
    lang: str,
) -> list[GrantRead]:
    """The account a programme award's instalments are paid into: every instalment of the
    person's own award that may still take one (later ones are paid into it too)."""
    if principal.applicant_id is None:
        raise PermissionDenied()
    grants = await grants_repo.lock_award_grants(session, register_entry_id)
    if not grants or any(g.applicant_id != principal.applicant_id for g in grants):
        raise NotFound()
    await _pay_into(session, principal, grants, data)
    return [
        g
        for g in await my_grants(session, principal, lang)
        if g.register_entry_id == register_entry_id
    ]


async def my_grants(session: AsyncSession, principal: Principal, lang: str) -> list[GrantRead]:
    if principal.applicant_id is not None:
        rows = await grants_repo.grants_of_applicant(session, principal.applicant_id)
    elif principal.employer_id is not None:
        rows = await grants_repo.grants_of_organisation(session, principal.employer_id)
    else:
        raise PermissionDenied()
    return [
        grant_view(g, _label(g, number, count, lang), service, lang)
        for g, number, service, count in rows
    ]


async def set_organisation_account(
    session: AsyncSession, principal: Principal, data: GrantAccount, lang: str
) -> list[GrantRead]:
    """An organisation's users give the account its grants are paid into; grants waiting for
    it (or returned by the bank) are ready for the next run."""
    if principal.employer_id is None:
        raise PermissionDenied()
    account_number = checked_account(data.bank_account)
    account = await grants_repo.organisation_account(session, principal.employer_id)
    if account is None:
        account = OrganisationBankAccount(employer_id=principal.employer_id)
        session.add(account)
    account.account_name = data.account_name.strip()
    account.bank_account_enc = protection.cipher().encrypt(account_number, ACCOUNT_CONTEXT)
    account.bank_account_masked = mask_account(account_number)
    await session.flush()
    await grants_repo.pay_organisation_into(session, account, utcnow())
    await audit.record(
        session,
        "grant.organisation_account",
        actor=principal,
        object_type="employer",
        object_id=principal.employer_id,
    )
    return await my_grants(session, principal, lang)


async def return_to_case(
    session: AsyncSession, grant: GrantPayment, line_id: uuid.UUID, reason: str
) -> None:
    """The bank failed the grant again: the case's timeline says so and the beneficiary is
    asked for another account."""
    grant.status = GRANTS.advance(grant.status, GrantEvent.RETURN)
    grant.returned_reason = reason or None
    case = await session.get(Case, grant.case_id)
    if case is not None:
        session.add(
            CaseEvent(
                case_id=case.id,
                action="payment_returned",
                from_status=case.status,
                to_status=case.status,
                actor_role=ActorRole.SYSTEM.value,
                reason=f"payment returned by the bank: {reason}"[:2000],
                detail={"amount_cny": grant.amount_cny},
            )
        )
    await notify_beneficiary(
        session, grant, "grant.returned", {"reason": reason or "-"}, key=line_id.hex[:12]
    )
