"""An organisation's own account: its users and their roles inside it, invitations by email
(single-use, expiring links), and changes of name or licence, which staff check again.

Only the organisation's admins manage it; an organisation always keeps one admin: the last
cannot remove themself or give up the role.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from app.config import get_settings
from app.domain.enums import OrgRole, Permission, UserKind
from app.domain.principal import Principal
from app.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import EmployerUser, OrganisationInvitation, User
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import organisations as org_repo
from app.repositories import sessions as sessions_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.organisations import (
    EnrolmentRead,
    InvitationAccept,
    InvitationCreate,
    InvitationRead,
    MemberRead,
    OrganisationChange,
    OrganisationHome,
)
from app.security import passwords, totp
from app.security.crypto import new_token, token_digest
from app.services import audit, notifications, protection
from app.services.accounts.users import password_problems
from app.services.organisations.registration import (
    ERR_TOTP,
    Upload,
    record_step,
    store_licence,
)
from app.services.organisations.verification import organisation_view
from app.workflow.organisations import ORGANISATIONS, OrganisationEvent

INVITATION_DAYS = 7
ERR_INVITATION = N_(
    "This invitation has expired or has already been used. Ask your organisation's admin to "
    "invite you again."
)
ERR_EMAIL_HAS_ACCOUNT = N_(
    "This email address already has an account on the portal. Invite another address."
)
ERR_LAST_ADMIN = N_(
    "Your organisation must keep at least one admin. Make another user an admin first."
)
ERR_NOTHING_CHANGED = N_("Change the name or upload a new business licence.")


def _require_admin(principal: Principal) -> uuid.UUID:
    if principal.employer_id is None or not principal.can(Permission.MANAGE_ORGANISATION):
        raise PermissionDenied()
    return principal.employer_id


async def home(session: AsyncSession, principal: Principal, lang: str) -> OrganisationHome:
    employer = await org_repo.get_own(session, principal)
    if employer is None:
        raise NotFound()
    can_manage = principal.can(Permission.MANAGE_ORGANISATION)
    members = await org_repo.members(session, employer.id)
    invites = await org_repo.invitations(session, employer.id, utcnow()) if can_manage else []
    return OrganisationHome(
        organisation=await organisation_view(session, employer, lang),
        members=[
            MemberRead(
                user_id=m.user_id,
                email=m.email,
                full_name=m.full_name,
                role=m.role,
                is_me=m.user_id == principal.user_id,
            )
            for m in members
        ],
        invitations=[
            InvitationRead(id=i.id, email=i.email, role=i.role, expires_at=i.expires_at)
            for i in invites
        ],
        can_manage=can_manage,
    )


async def invite(
    session: AsyncSession,
    principal: Principal,
    data: InvitationCreate,
    *,
    now: datetime | None = None,
) -> InvitationRead:
    now = now or utcnow()
    employer_id = _require_admin(principal)
    employer = await org_repo.get_own(session, principal)
    assert employer is not None
    if await accounts_repo.email_exists(session, data.email):
        raise ValidationFailed(
            field_errors=[FieldError("email", "email_has_account", ERR_EMAIL_HAS_ACCOUNT)]
        )
    token = new_token()
    row = OrganisationInvitation(
        employer_id=employer_id,
        email=data.email,
        role=data.role.value,
        token_hash=token_digest(token),
        totp_secret_enc=protection.cipher().encrypt(totp.new_secret(), "user.totp"),
        invited_by_user_id=principal.user_id,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    session.add(row)
    await session.flush()
    url = f"{get_settings().base_url.rstrip('/')}/organisations/join?token={token}"
    await notifications.enqueue(
        session,
        read_back=False,
        recipient_user_id=principal.user_id,
        template="organisation.invitation",
        payload={"organisation_name": employer.name, "deadline": row.expires_at, "url": url},
        language=principal.language,
        dedup_key=f"organisation.invitation:{row.id}",
        channels=[notifications.EMAIL],
        to=notifications.Contact("invitee", data.email, None),
    )
    await audit.record(
        session,
        "organisation.user_invited",
        actor=principal,
        object_type="employer",
        object_id=employer_id,
        detail={"invitation": str(row.id), "role": row.role},
    )
    return InvitationRead(id=row.id, email=row.email, role=row.role, expires_at=row.expires_at)


async def _open_invitation(
    session: AsyncSession, token: str, now: datetime, *, for_update: bool = False
) -> OrganisationInvitation:
    row = await org_repo.invitation_by_token(
        session, token_digest(token[:200]), for_update=for_update
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise ValidationFailed(
            field_errors=[FieldError("token", "invitation_invalid", ERR_INVITATION)]
        )
    return row


async def invitation_view(
    session: AsyncSession, token: str, *, now: datetime | None = None
) -> EnrolmentRead:
    row = await _open_invitation(session, token, now or utcnow())
    employer = await org_repo.get_by_id(session, row.employer_id)
    assert employer is not None
    secret = protection.cipher().decrypt(row.totp_secret_enc, "user.totp")
    return EnrolmentRead(
        email=row.email,
        organisation_name=employer.name,
        totp_secret=secret,
        totp_uri=totp.provisioning_uri(secret, row.email),
        role=row.role,
    )


async def accept(
    session: AsyncSession, data: InvitationAccept, *, now: datetime | None = None
) -> None:
    """The invited person sets a password and proves the authenticator: the account is made
    in the organisation with the role the admin chose. The link works once."""
    now = now or utcnow()
    row = await _open_invitation(session, data.token, now, for_update=True)
    problems = password_problems(data.password, row.email)
    secret = protection.cipher().decrypt(row.totp_secret_enc, "user.totp")
    step = totp.verify(secret, data.totp_code, None, now.timestamp())
    if step is None:
        problems.append(FieldError("totp_code", "totp_invalid", ERR_TOTP))
    if await accounts_repo.email_exists(session, row.email):
        problems.append(FieldError("token", "invitation_invalid", ERR_INVITATION))
    if problems:
        raise ValidationFailed(field_errors=problems)
    user = User(
        email=row.email,
        password_hash=passwords.hash_password(data.password),
        kind=UserKind.EMPLOYER.value,
        language="zh",
        totp_secret_enc=row.totp_secret_enc,
        totp_last_step=step,
        # The link reached the mailbox: the address is confirmed.
        email_verified_at=now,
    )
    session.add(user)
    await session.flush()
    session.add(
        EmployerUser(
            user_id=user.id, employer_id=row.employer_id, full_name=data.full_name, role=row.role
        )
    )
    row.used_at, row.user_id = now, user.id
    await session.flush()
    await audit.record(
        session,
        "organisation.user_joined",
        actor_user_id=user.id,
        object_type="employer",
        object_id=row.employer_id,
        detail={"invitation": str(row.id), "role": row.role},
    )


async def _member(
    session: AsyncSession, employer_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[EmployerUser, User]:
    found = await org_repo.get_membership(session, employer_id, user_id)
    if found is None:
        raise NotFound()  # another organisation's user is not ours to see
    return found


async def remove(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, *, now: datetime | None = None
) -> None:
    """Switches the user's login off and ends their sessions; the history keeps them."""
    now = now or utcnow()
    employer_id = _require_admin(principal)
    admins = await org_repo.lock_admins(session, employer_id)
    membership, user = await _member(session, employer_id, user_id)
    if membership.role == OrgRole.ADMIN.value and admins == [user_id]:
        raise Conflict(ERR_LAST_ADMIN)
    user.is_active = False
    await sessions_repo.revoke_all_for_user(session, user.id, now)
    await session.flush()
    await audit.record(
        session,
        "organisation.user_removed",
        actor=principal,
        object_type="employer",
        object_id=employer_id,
        detail={"user": str(user_id)},
    )


async def set_role(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, role: OrgRole
) -> None:
    employer_id = _require_admin(principal)
    admins = await org_repo.lock_admins(session, employer_id)
    membership, _user = await _member(session, employer_id, user_id)
    if role is not OrgRole.ADMIN and admins == [user_id]:
        raise Conflict(ERR_LAST_ADMIN)
    before = membership.role
    membership.role = role.value
    await session.flush()
    await audit.record(
        session,
        "organisation.role_changed",
        actor=principal,
        object_type="employer",
        object_id=employer_id,
        detail={"user": str(user_id), "from": before, "to": role.value},
    )


async def change(
    session: AsyncSession,
    principal: Principal,
    data: OrganisationChange,
    licence: Upload | None,
    *,
    now: datetime | None = None,
) -> None:
    """A new name or licence: the organisation is checked again (the history keeps what was
    verified before)."""
    now = now or utcnow()
    _require_admin(principal)
    employer = await org_repo.get_own(session, principal, for_update=True)
    assert employer is not None
    renamed = data.name != employer.name
    if not renamed and licence is None:
        raise ValidationFailed(field_errors=[FieldError("name", "unchanged", ERR_NOTHING_CHANGED)])
    before = {"name": employer.name, "licence": employer.licence_sha256}
    employer.name = data.name
    if licence is not None:
        await store_licence(session, employer, licence)
    if ORGANISATIONS.allows(employer.status, OrganisationEvent.RESUBMIT):
        await record_step(
            session, employer, OrganisationEvent.RESUBMIT, principal.user_id, None, now
        )
    await session.flush()
    await audit.record(
        session,
        "organisation.changed",
        actor=principal,
        object_type="employer",
        object_id=employer.id,
        district=employer.district,
        detail={"before": before, "renamed": renamed, "new_licence": licence is not None},
    )
