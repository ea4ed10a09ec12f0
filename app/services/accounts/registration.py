"""Registration of applicants, which does not tell who is registered (issue 14, item 9).

A registration through the portal or the API always gets the same answer: "we have sent a
message to your email address to finish registration". For a new email address and ID number
the account is made and a single-use confirmation link goes to that address; the applicant
signs in once it is opened. When the email address or the ID number already has an account,
nothing is made and the owner is told instead (email, and SMS where enabled), so whoever tried
learns nothing and the owner learns of the attempt. An unconfirmed account's address gets a
new confirmation link instead (its owner lost the first one).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from app.config import get_settings
from app.domain.enums import ApplicantType, ConsentPurpose, IdKind, UserKind
from app.domain.principal import Principal
from app.errors import FieldError, ValidationFailed
from app.i18n import N_
from app.models import Applicant, Consent, EmailConfirmation, User
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import sessions as sessions_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.accounts import DomesticRegistration, OverseasRegistration
from app.security import passwords
from app.security.crypto import token_digest
from app.services import audit, notifications, protection
from app.services.accounts.links import email_link
from app.services.accounts.users import password_problems

ERR_EMAIL_TAKEN = N_("An account with this email address already exists. Sign in instead.")
ERR_ID_TAKEN = N_(
    "An account is already registered with this ID or passport number. Sign in instead, "
    "or ask at a service window if you cannot."
)


async def register_applicant(
    session: AsyncSession,
    data: DomesticRegistration | OverseasRegistration,
    *,
    channel: str,
    registered_by: Principal | None = None,
    email_confirmed: bool = False,
    password_hash: str | None = None,
) -> User:
    """Creates the applicant, or says which of email and ID number is taken: for callers that
    may know (a window clerk, who can find applicants by ID number anyway; the demo). The
    public registration answers alike either way (``registration.register``). Unless
    ``email_confirmed``, the applicant signs in only after opening the confirmation link.
    """
    problems = password_problems(data.password, data.email)
    if await accounts_repo.email_exists(session, data.email):
        problems.append(FieldError("email", "email_taken", ERR_EMAIL_TAKEN))
    if isinstance(data, DomesticRegistration):
        kind, number, nationality = IdKind.RESIDENT_ID, data.id_number, "CN"
        id_field = "id_number"
    else:
        kind, number, nationality = IdKind.PASSPORT, data.passport_number, data.nationality
        id_field = "passport_number"
    index = protection.id_index(kind, number)
    if await accounts_repo.id_index_exists(session, index):
        problems.append(FieldError(id_field, "id_taken", ERR_ID_TAKEN))
    if problems:
        raise ValidationFailed(field_errors=problems)

    user = User(
        email=data.email,
        password_hash=password_hash or passwords.hash_password(data.password),
        kind=UserKind.APPLICANT.value,
        language=data.language,
        email_verified_at=utcnow() if email_confirmed else None,
    )
    session.add(user)
    await session.flush()
    applicant = Applicant(
        user_id=user.id,
        applicant_type=(
            ApplicantType.DOMESTIC if kind is IdKind.RESIDENT_ID else ApplicantType.OVERSEAS
        ).value,
        full_name=data.full_name,
        chinese_name=None if isinstance(data, DomesticRegistration) else data.chinese_name,
        id_kind=kind.value,
        id_number_enc=protection.encrypt_id(number),
        id_number_index=index,
        id_number_masked=protection.mask_id(kind, number),
        nationality=nationality,
        mobile=data.mobile,
        profile_facts={},
    )
    session.add(applicant)
    session.add(
        Consent(
            user_id=user.id,
            purpose=ConsentPurpose.PERSONAL_INFO.value,
            notice_version=get_settings().privacy_notice_version,
            channel=channel,
        )
    )
    await session.flush()
    await audit.record(
        session,
        "account.registered",
        actor=registered_by,
        actor_user_id=user.id if registered_by is None else None,
        object_type="applicant",
        object_id=applicant.id,
        detail={"channel": channel},
    )
    return user


ERR_CONFIRMATION_LINK = N_(
    "This confirmation link has expired or has already been used. If you have not confirmed "
    "your email address yet, register again with the same email address to get a new link."
)


def _id_of(data: DomesticRegistration | OverseasRegistration) -> tuple[IdKind, str]:
    if isinstance(data, DomesticRegistration):
        return IdKind.RESIDENT_ID, data.id_number
    return IdKind.PASSPORT, data.passport_number


async def register(
    session: AsyncSession,
    data: DomesticRegistration | OverseasRegistration,
    *,
    channel: str,
    now: datetime | None = None,
) -> None:
    """The public registration: answers the same whether or not the email address or the ID
    number is registered (see the module's note). Only what the form itself says can be
    wrong (a weak password, a bad ID check digit) is answered as an error."""
    now = now or utcnow()
    problems = password_problems(data.password, data.email)
    if problems:
        raise ValidationFailed(field_errors=problems)
    # Every path pays for the password hash, so timing does not tell the paths apart.
    password_hash = passwords.hash_password(data.password)
    kind, number = _id_of(data)
    by_email = await accounts_repo.get_user_by_email(session, data.email)
    id_owner = await accounts_repo.user_id_by_id_index(session, protection.id_index(kind, number))
    if by_email is None and id_owner is None:
        user = await register_applicant(session, data, channel=channel, password_hash=password_hash)
        await send_confirmation(session, user, now=now)
        return
    if by_email is not None:
        if by_email.kind == UserKind.APPLICANT.value and by_email.email_verified_at is None:
            await send_confirmation(session, by_email, now=now)
        else:
            await _tell_owner(session, by_email.id, by_email.language, "email", now)
    if id_owner is not None and (by_email is None or id_owner != by_email.id):
        owner = await accounts_repo.get_user(session, id_owner)
        await _tell_owner(session, id_owner, owner.language if owner else data.language, "id", now)
    await audit.record(
        session,
        "account.registration_refused",
        object_type="user",
        object_id=by_email.id if by_email is not None else id_owner,
        detail={
            "channel": channel,
            "email_registered": by_email is not None,
            "id_registered": id_owner is not None,
        },
    )


async def _tell_owner(
    session: AsyncSession, user_id: uuid.UUID, language: str, what: str, now: datetime
) -> None:
    # At most one such notice a day per account and kind, so strangers cannot flood an owner.
    await notifications.enqueue(
        session,
        read_back=False,
        recipient_user_id=user_id,
        template=f"account.registration_attempt_{what}",
        payload={"url": "/forgot-password"},
        language=language,
        dedup_key=f"registration_attempt:{what}:{user_id}:{now.date().isoformat()}",
    )


async def send_confirmation(
    session: AsyncSession, user: User, *, now: datetime | None = None
) -> None:
    """Emails the owner of a new account a single-use link that confirms the address."""
    await email_link(
        session,
        user,
        EmailConfirmation,
        lifetime=timedelta(hours=get_settings().email_confirmation_hours),
        template="account.confirm_email",
        path="/confirm-email",
        now=now or utcnow(),
    )


async def confirm_email(session: AsyncSession, token: str, *, now: datetime | None = None) -> None:
    """Opens the account to sign-in: the link works once, before it expires."""
    now = now or utcnow()
    row = await sessions_repo.get_email_confirmation(
        session, token_digest(token[:200]), for_update=True
    )
    user = await accounts_repo.get_user(session, row.user_id) if row is not None else None
    # An organisation's admin confirms the address with the authenticator, on its own page.
    if (
        row is None
        or row.used_at is not None
        or row.expires_at <= now
        or user is None
        or user.kind != UserKind.APPLICANT.value
    ):
        raise ValidationFailed(
            field_errors=[FieldError("token", "confirmation_invalid", ERR_CONFIRMATION_LINK)]
        )
    row.used_at = now
    if user.email_verified_at is None:
        user.email_verified_at = now
    await session.flush()
    await audit.record(
        session,
        "account.email_confirmed",
        actor_user_id=user.id,
        object_type="user",
        object_id=user.id,
    )
