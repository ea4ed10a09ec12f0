"""An organisation registers itself: its details, its business licence and its first user, who
becomes its admin. The admin confirms the email address and enrols an authenticator app in one
step (the link emailed); then the organisation waits for its district's staff to verify it.

The credit code is public, so a code already registered is refused plainly. The email address
is not: as for applicants, an address that has an account gets the same answer while nothing is
made and its owner is told (``registration`` in the accounts room).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.config import get_settings
from app.domain.enums import OrgRole, UserKind
from app.errors import Conflict, FieldError, ValidationFailed
from app.i18n import N_
from app.models import EmailConfirmation, Employer, EmployerUser, OrganisationReview, User
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import organisations as org_repo
from app.repositories import sessions as sessions_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.organisations import EnrolmentRead, OrganisationRegistration
from app.security import passwords, totp
from app.security.crypto import token_digest
from app.services import audit, documents, notifications, protection
from app.services.accounts.links import email_link
from app.services.accounts.users import password_problems
from app.workflow.errors import InvalidStatusChange
from app.workflow.organisations import ORGANISATIONS, OrganisationEvent, OrganisationStatus

ERR_USCC_TAKEN = N_(
    "An organisation with this credit code is already registered. If it is yours, ask its "
    "admin to invite you, or contact the district talent office."
)
ERR_LICENCE = N_("Upload the business licence (PDF, JPG or PNG).")
ERR_ENROL_LINK = N_(
    "This link has expired or has already been used. Register again to get a new one, or sign "
    "in if you have finished registering."
)
ERR_TOTP = N_("The code is not correct. Type the 6 digits your authenticator app shows now.")


@dataclass(frozen=True)
class Upload:
    """A file posted with a form: its name and its content."""

    filename: str
    chunks: AsyncIterator[bytes]


async def store_licence(session: AsyncSession, employer: Employer, licence: Upload) -> None:
    saved = await documents.save_file(session, licence.filename, licence.chunks)
    employer.licence_storage_key = saved.key
    employer.licence_name = saved.name
    employer.licence_content_type = saved.content_type
    employer.licence_sha256 = saved.sha256


async def register(
    session: AsyncSession,
    data: OrganisationRegistration,
    licence: Upload | None,
    *,
    channel: str,
    now: datetime | None = None,
) -> None:
    now = now or utcnow()
    problems = password_problems(data.password, data.email)
    if await org_repo.uscc_taken(session, data.uscc):
        problems.append(FieldError("uscc", "uscc_taken", ERR_USCC_TAKEN))
    if licence is None:
        problems.append(FieldError("file", "required", ERR_LICENCE))
    if problems:
        raise ValidationFailed(field_errors=problems)
    assert licence is not None
    password_hash = passwords.hash_password(data.password)
    if await accounts_repo.email_exists(session, data.email):
        owner = await accounts_repo.get_user_by_email(session, data.email)
        assert owner is not None
        await notifications.enqueue(
            session,
            read_back=False,
            recipient_user_id=owner.id,
            template="account.registration_attempt_email",
            payload={"url": "/forgot-password"},
            language=owner.language,
            dedup_key=f"registration_attempt:email:{owner.id}:{now.date().isoformat()}",
        )
        await audit.record(
            session,
            "organisation.registration_refused",
            object_type="user",
            object_id=owner.id,
            detail={"channel": channel, "email_registered": True},
        )
        return
    employer = Employer(
        name=data.name,
        uscc=data.uscc,
        district=data.district.value,
        status=OrganisationStatus.UNCONFIRMED.value,
        org_type=data.org_type.value,
        registered_capital_cny=data.registered_capital_cny,
        industry=data.industry,
    )
    await store_licence(session, employer, licence)
    session.add(employer)
    user = User(
        email=data.email,
        password_hash=password_hash,
        kind=UserKind.EMPLOYER.value,
        language=data.language,
        totp_secret_enc=protection.cipher().encrypt(totp.new_secret(), "user.totp"),
    )
    session.add(user)
    await session.flush()
    session.add(
        EmployerUser(
            user_id=user.id,
            employer_id=employer.id,
            full_name=data.full_name,
            role=OrgRole.ADMIN.value,
        )
    )
    await session.flush()
    await email_link(
        session,
        user,
        EmailConfirmation,
        lifetime=timedelta(hours=get_settings().email_confirmation_hours),
        template="organisation.confirm_email",
        path="/organisations/enrol",
        now=now,
    )
    await audit.record(
        session,
        "organisation.registered",
        actor_user_id=user.id,
        object_type="employer",
        object_id=employer.id,
        district=employer.district,
        detail={"channel": channel, "org_type": employer.org_type},
    )


async def _enrolment(
    session: AsyncSession, token: str, now: datetime, *, for_update: bool = False
) -> tuple[EmailConfirmation, User, Employer]:
    row = await sessions_repo.get_email_confirmation(
        session, token_digest(token[:200]), for_update=for_update
    )
    user = await accounts_repo.get_user(session, row.user_id) if row is not None else None
    party = await accounts_repo.get_party(session, user.id) if user is not None else None
    employer = (
        await org_repo.get_by_id(session, party.employer_id)
        if party is not None and party.employer_id is not None
        else None
    )
    if (
        row is None
        or row.used_at is not None
        or row.expires_at <= now
        or user is None
        or employer is None
        or user.totp_secret_enc is None
    ):
        raise ValidationFailed(field_errors=[FieldError("token", "enrol_invalid", ERR_ENROL_LINK)])
    return row, user, employer


async def enrolment_view(
    session: AsyncSession, token: str, *, now: datetime | None = None
) -> EnrolmentRead:
    """What the emailed link's page shows: the authenticator secret to add."""
    _row, user, employer = await _enrolment(session, token, now or utcnow())
    assert user.totp_secret_enc is not None
    secret = protection.cipher().decrypt(user.totp_secret_enc, "user.totp")
    return EnrolmentRead(
        email=user.email,
        organisation_name=employer.name,
        totp_secret=secret,
        totp_uri=totp.provisioning_uri(secret, user.email),
    )


async def enrol(
    session: AsyncSession, token: str, code: str, *, now: datetime | None = None
) -> None:
    """Confirms the address and the authenticator with one code; the organisation then waits
    for its district's staff."""
    now = now or utcnow()
    row, user, employer = await _enrolment(session, token, now, for_update=True)
    assert user.totp_secret_enc is not None
    secret = protection.cipher().decrypt(user.totp_secret_enc, "user.totp")
    step = totp.verify(secret, code, user.totp_last_step, now.timestamp())
    if step is None:
        raise ValidationFailed(field_errors=[FieldError("totp_code", "totp_invalid", ERR_TOTP)])
    row.used_at = now
    user.totp_last_step = step
    if user.email_verified_at is None:
        user.email_verified_at = now
    if ORGANISATIONS.allows(employer.status, OrganisationEvent.CONFIRM_ADMIN):
        await record_step(session, employer, OrganisationEvent.CONFIRM_ADMIN, user.id, None, now)
    await session.flush()
    await audit.record(
        session,
        "organisation.admin_enrolled",
        actor_user_id=user.id,
        object_type="employer",
        object_id=employer.id,
        district=employer.district,
    )


async def record_step(
    session: AsyncSession,
    employer: Employer,
    event: OrganisationEvent,
    actor_user_id: uuid.UUID | None,
    reason: str | None,
    now: datetime,
) -> None:
    """Moves the organisation's status and keeps the step in its history."""
    before = employer.status
    try:
        employer.status = ORGANISATIONS.advance(before, event).value
    except InvalidStatusChange as exc:
        # A decision on a page that was out of date: told as a conflict.
        raise Conflict(exc.message) from exc
    employer.updated_at = now
    session.add(
        OrganisationReview(
            employer_id=employer.id,
            event=event.value,
            from_status=before,
            to_status=employer.status,
            reason=reason,
            actor_user_id=actor_user_id,
            name=employer.name,
            licence_sha256=employer.licence_sha256,
            occurred_at=now,
        )
    )
    await session.flush()
