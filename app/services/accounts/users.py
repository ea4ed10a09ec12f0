"""Use cases for accounts: registration, login with throttling and TOTP, sessions, logout."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.config import get_settings
from app.domain import phones
from app.domain.enums import (
    Role,
    UserKind,
    org_permissions_for,
    permissions_for,
)
from app.domain.principal import Principal
from app.errors import (
    AccountLocked,
    AuthenticationRequired,
    EmailNotConfirmed,
    FieldError,
    InvalidCredentials,
    SessionRevoked,
)
from app.i18n import N_
from app.models import (
    Applicant,
    AuthSession,
    LoginThrottle,
    RetiredRefreshToken,
    StaffMember,
    User,
)
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories import sessions as sessions_repo
from app.repositories.accounts import Party
from app.repositories.unit_of_work import AsyncSession
from app.schemas.accounts import (
    AccountRead,
    ApplicantRead,
    EmployerRead,
    StaffRead,
)
from app.security import passwords, totp
from app.security.crypto import new_token, token_digest
from app.services import audit, protection
from app.workflow.organisations import OrganisationStatus

# Re-checking a session on every request costs a write; refresh its idle clock at most this often.
_TOUCH_INTERVAL = timedelta(seconds=60)
_ACCOUNT_WINDOW = timedelta(hours=1)
# Accounts that sign in with a TOTP code as well as the password.
_SECOND_FACTOR_KINDS = frozenset({UserKind.STAFF.value, UserKind.EMPLOYER.value})


def password_problems(password: str, email: str, field: str = "password") -> list[FieldError]:
    settings = get_settings()
    if len(password) < settings.password_min_length:
        return [
            FieldError(
                field,
                "password_too_short",
                N_("Use at least {min} characters for your password."),
                {"min": settings.password_min_length},
            )
        ]
    if passwords.is_common_password(password) or password.lower() == email.split("@")[0].lower():
        return [
            FieldError(
                field,
                "password_too_common",
                N_("This password is too common and easy to guess. Choose another one."),
            )
        ]
    return []


@dataclass(frozen=True)
class IssuedLogin:
    session_id: uuid.UUID
    token: str
    refresh_token: str | None
    expires_in: int
    user: User


def _source_wait(throttle: LoginThrottle | None, now: datetime) -> int:
    if throttle is None or throttle.locked_until is None or throttle.locked_until <= now:
        return 0
    return max(1, math.ceil((throttle.locked_until - now).total_seconds()))


def _account_wait(throttle: LoginThrottle | None, now: datetime) -> int:
    settings = get_settings()
    if throttle is None or throttle.first_failure_at is None:
        return 0
    window_end = throttle.first_failure_at + _ACCOUNT_WINDOW
    if throttle.failures < settings.login_account_failures_per_hour or window_end <= now:
        return 0
    return max(1, math.ceil((window_end - now).total_seconds()))


async def _register_failure(
    session: AsyncSession,
    source: LoginThrottle | None,
    account: LoginThrottle | None,
    keys: tuple[str, str],
    now: datetime,
) -> None:
    """Counts a failure for the client address (growing delays) and for the account (hourly)."""
    settings = get_settings()
    source_key, account_key = keys
    if source is None:
        source = LoginThrottle(key=source_key, failures=0, first_failure_at=now)
        session.add(source)
    source.failures += 1
    beyond = source.failures - settings.login_max_failures
    if beyond >= 0:
        delay = settings.login_delay_base_seconds * 2 ** min(beyond, 30)
        source.locked_until = now + timedelta(seconds=min(delay, settings.login_delay_max_seconds))
    if account is None:
        account = LoginThrottle(key=account_key, failures=0, first_failure_at=now)
        session.add(account)
    if account.first_failure_at is None or now - account.first_failure_at >= _ACCOUNT_WINDOW:
        account.failures, account.first_failure_at = 0, now
    account.failures += 1
    await session.flush()


async def login(
    session: AsyncSession,
    email: str,
    password: str,
    totp_code: str | None,
    *,
    kind: str,
    client: str | None = None,
    now: datetime | None = None,
) -> IssuedLogin:
    """Checks the credentials and opens a session.

    Unknown accounts take the same path and the same time as known ones (a dummy hash is
    verified) and are delayed the same way, so neither answers nor timing reveal who is
    registered. Failures delay the client address they came from, growing with each one
    (``client`` is the caller's address); no hard lock exists that a stranger could renew to
    keep the owner out. An applicant account also waits once it has had too many failures in
    an hour from all addresses together; a staff account never does (it needs a TOTP code too).
    """
    now = now or utcnow()
    email = email.strip().lower()
    keys = (protection.login_source_key(email, client or "unknown"), protection.login_key(email))
    source = await sessions_repo.get_throttle(session, keys[0], for_update=True)
    account = await sessions_repo.get_throttle(session, keys[1], for_update=True)
    user = await accounts_repo.get_user_by_email(session, email)
    wait = _source_wait(source, now)
    if user is None or user.kind != UserKind.STAFF.value:
        wait = max(wait, _account_wait(account, now))
    if wait:
        await audit.record(session, "auth.login_delayed", detail={"key": keys[1][:12]})
        raise AccountLocked(params={"seconds": wait}, headers={"Retry-After": str(wait)})

    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        await _register_failure(session, source, account, keys, now)
        await audit.record(
            session,
            "auth.login_failed",
            actor_user_id=user.id if user else None,
            detail={"reason": "password"},
        )
        raise InvalidCredentials()

    if user.kind in _SECOND_FACTOR_KINDS:
        # A missing or wrong code answers exactly like a wrong password, so the answer never
        # tells that the password was right or that the account belongs to staff. Employer
        # users sign in the same way; one who has not enrolled an authenticator cannot.
        secret = (
            protection.cipher().decrypt(user.totp_secret_enc, "user.totp")
            if user.totp_secret_enc
            else None
        )
        step = (
            totp.verify(secret, totp_code, user.totp_last_step, now.timestamp())
            if totp_code and secret
            else None
        )
        if step is None:
            await _register_failure(session, source, account, keys, now)
            await audit.record(
                session, "auth.login_failed", actor_user_id=user.id, detail={"reason": "totp"}
            )
            raise InvalidCredentials()
        user.totp_last_step = step

    if user.kind != UserKind.STAFF.value and user.email_verified_at is None:
        raise EmailNotConfirmed()
    for throttle in (source, account):
        if throttle is not None:
            throttle.failures, throttle.locked_until, throttle.first_failure_at = 0, None, None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = now
    issued = await open_session(session, user, kind, now)
    await audit.record(
        session,
        "auth.login",
        actor_user_id=user.id,
        object_type="session",
        object_id=issued.session_id,
        detail={"channel": kind},
    )
    return issued


async def open_session(session: AsyncSession, user: User, kind: str, now: datetime) -> IssuedLogin:
    settings = get_settings()
    token = new_token()
    if kind == "web":
        token_expires = now + timedelta(minutes=settings.session_idle_minutes)
        expires = now + timedelta(hours=settings.session_absolute_hours)
        refresh = None
        expires_in = settings.session_idle_minutes * 60
    else:
        token_expires = now + timedelta(minutes=settings.access_token_minutes)
        expires = now + timedelta(days=settings.refresh_token_days)
        refresh = new_token()
        expires_in = settings.access_token_minutes * 60
    row = AuthSession(
        user_id=user.id,
        kind=kind,
        token_hash=token_digest(token),
        refresh_hash=token_digest(refresh) if refresh else None,
        created_at=now,
        last_seen_at=now,
        token_expires_at=token_expires,
        expires_at=expires,
    )
    session.add(row)
    await session.flush()
    return IssuedLogin(row.id, token, refresh, expires_in, user)


async def refresh(
    session: AsyncSession, refresh_token: str, now: datetime | None = None
) -> IssuedLogin:
    """Rotates both tokens; the old refresh token stops working at once.

    The login's row is the token family: a refresh token it replaced is kept (as a digest),
    and when one of those comes back, someone else holds a copy of the family, so the whole
    login is revoked (OAuth 2.0 Security BCP, refresh token rotation)."""
    settings = get_settings()
    now = now or utcnow()
    presented = token_digest(refresh_token)
    row = await sessions_repo.get_by_refresh_hash(session, presented, for_update=True)
    if row is None:
        family = await sessions_repo.family_of_retired_refresh(session, presented)
        if family is not None:
            revoked = await sessions_repo.revoke(session, family[0], now)
            await audit.record(
                session,
                "auth.refresh_reused",
                actor_user_id=family[1],
                object_type="session",
                object_id=family[0],
                detail={"revoked": revoked},
            )
            raise SessionRevoked()
    if row is None or row.kind != "api" or row.revoked_at is not None or row.expires_at <= now:
        raise AuthenticationRequired(N_("Your session has ended. Please sign in again."))
    user = await accounts_repo.get_user(session, row.user_id)
    if user is None or not user.is_active:
        raise AuthenticationRequired(N_("Your session has ended. Please sign in again."))
    token, new_refresh = new_token(), new_token()
    session.add(RetiredRefreshToken(refresh_hash=presented, session_id=row.id, retired_at=now))
    row.token_hash = token_digest(token)
    row.refresh_hash = token_digest(new_refresh)
    row.token_expires_at = now + timedelta(minutes=settings.access_token_minutes)
    row.last_seen_at = now
    await session.flush()
    return IssuedLogin(row.id, token, new_refresh, settings.access_token_minutes * 60, user)


async def logout(session: AsyncSession, principal: Principal) -> None:
    row = await session.get(AuthSession, principal.session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        await audit.record(
            session, "auth.logout", actor=principal, object_type="session", object_id=row.id
        )
    await session.flush()


async def resolve(
    session: AsyncSession, token: str, kind: str, now: datetime | None = None
) -> Principal | None:
    """The caller behind a cookie or bearer token, or None if it is unknown, revoked or expired."""
    now = now or utcnow()
    caller = await sessions_repo.caller_by_token_hash(session, token_digest(token))
    if (
        caller is None
        or caller.session_kind != kind
        or caller.revoked_at is not None
        or caller.token_expires_at <= now
        or caller.expires_at <= now
        or not caller.party.is_active
    ):
        return None
    if kind == "web" and now - caller.last_seen_at > _TOUCH_INTERVAL:
        idle = timedelta(minutes=get_settings().session_idle_minutes)
        await sessions_repo.touch(
            session,
            caller.session_id,
            last_seen_at=now,
            token_expires_at=min(now + idle, caller.expires_at),
        )
    return principal_of(caller.party, caller.session_id)


async def build_principal(session: AsyncSession, user: User, session_id: uuid.UUID) -> Principal:
    party = await accounts_repo.get_party(session, user.id)
    assert party is not None, "the user was just read"
    return principal_of(party, session_id)


def principal_of(party: Party, session_id: uuid.UUID) -> Principal:
    base: dict[str, Any] = {
        "user_id": party.user_id,
        "session_id": session_id,
        "email": party.email,
        "language": party.language,
    }
    if party.user_kind == UserKind.APPLICANT.value:
        assert party.applicant_id and party.applicant_name, "applicant user without record"
        return Principal(
            kind=UserKind.APPLICANT,
            display_name=party.applicant_name,
            applicant_id=party.applicant_id,
            mobile=party.mobile,
            **base,
        )
    if party.user_kind == UserKind.STAFF.value:
        assert party.staff_id and party.staff_name, "staff user without staff record"
        roles = party.staff_roles or []
        return Principal(
            kind=UserKind.STAFF,
            display_name=party.staff_name,
            staff_id=party.staff_id,
            district=party.staff_district,
            department=party.staff_department,
            roles=tuple(roles),
            permissions=permissions_for([Role(r) for r in roles]),
            **base,
        )
    assert party.employer_id and party.employer_user_name, "employer user without record"
    # Inside the organisation the role decides; before staff verified the organisation its
    # users manage only their own account (app.domain.enums.org_permissions_for).
    verified = party.employer_status in OrganisationStatus.ACTIVE
    return Principal(
        kind=UserKind.EMPLOYER,
        display_name=party.employer_user_name,
        employer_id=party.employer_id,
        district=party.employer_district,
        roles=(party.employer_role,) if party.employer_role else (),
        permissions=org_permissions_for(party.employer_role, verified),
        **base,
    )


async def set_language(session: AsyncSession, principal: Principal, language: str) -> None:
    user = await accounts_repo.get_user(session, principal.user_id)
    if user is not None:
        user.language = language
        await session.flush()


async def account_view(session: AsyncSession, principal: Principal) -> AccountRead:
    user = await accounts_repo.get_user(session, principal.user_id)
    assert user is not None
    view = AccountRead(
        user_id=user.id,
        kind=user.kind,
        email=user.email,
        language=user.language,
        display_name=principal.display_name,
    )
    if principal.applicant_id:
        applicant = await accounts_repo.get_applicant_readable(
            session, principal, principal.applicant_id
        )
        assert applicant is not None
        view.applicant = applicant_view(applicant)
    elif principal.staff_id:
        staff = await accounts_repo.get_staff_for_user(session, user.id)
        assert staff is not None
        view.staff = staff_view(staff, user.email)
    elif principal.employer_id:
        employer = await accounts_repo.get_employer_readable(
            session, principal, principal.employer_id
        )
        assert employer is not None
        view.employer = EmployerRead.model_validate(employer, from_attributes=True)
    return view


def applicant_view(applicant: Applicant) -> ApplicantRead:
    return ApplicantRead(
        id=applicant.id,
        applicant_type=applicant.applicant_type,
        full_name=applicant.full_name,
        chinese_name=applicant.chinese_name,
        email=applicant.user.email,
        id_kind=applicant.id_kind,
        id_number_masked=applicant.id_number_masked,
        nationality=applicant.nationality,
        mobile_masked=phones.masked(applicant.mobile) if applicant.mobile else None,
        mobile_international=phones.international(applicant.mobile) if applicant.mobile else None,
        language=applicant.user.language,
        created_at=applicant.created_at,
    )


def staff_view(staff: StaffMember, email: str) -> StaffRead:
    return StaffRead(
        id=staff.id,
        full_name=staff.full_name,
        email=email,
        district=staff.district,
        department=staff.department,
        roles=list(staff.roles),
    )


@dataclass(frozen=True)
class ConsentView:
    purpose: str
    notice_version: str
    channel: str
    given_at: datetime
    withdrawn_at: datetime | None


async def consent_history(session: AsyncSession, principal: Principal) -> list[ConsentView]:
    rows = await accounts_repo.consents_for(session, principal.user_id)
    return [
        ConsentView(r.purpose, r.notice_version, r.channel, r.given_at, r.withdrawn_at)
        for r in rows
    ]
