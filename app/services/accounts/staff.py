"""Staff-side use cases: staff accounts, applicant lookup, full-ID views, district data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.domain.enums import Department, District, IdKind, OrgRole, Permission, Role, UserKind
from app.domain.identity import is_valid_uscc, normalize_uscc
from app.domain.principal import Principal
from app.errors import FieldError, NotFound, NotFoundAudited, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import Employer, EmployerUser, StaffMember, User
from app.models.base import utcnow
from app.repositories import accounts as accounts_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.accounts import ApplicantRead, EmployerRead, FullIdRead, StaffRead
from app.security import passwords, totp
from app.services import audit, protection
from app.services.accounts import applicant_view, password_problems, staff_view


@dataclass(frozen=True)
class NewStaff:
    user: User
    staff: StaffMember
    totp_secret: str


async def create_staff(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    full_name: str,
    district: str,
    department: str,
    roles: list[str],
    totp_secret: str | None = None,
    created_by: Principal | None = None,
) -> NewStaff:
    email = email.strip().lower()
    problems = password_problems(password, email)
    if district not in {d.value for d in District}:
        problems.append(
            FieldError("district", "invalid_district", N_("Choose Yangpu or Changning."))
        )
    if department not in {d.value for d in Department}:
        problems.append(
            FieldError("department", "invalid_department", N_("Choose one of the listed options."))
        )
    valid_roles = {r.value for r in Role}
    if not roles or any(r not in valid_roles for r in roles):
        problems.append(
            FieldError("roles", "invalid_roles", N_("Choose one of the listed options."))
        )
    if await accounts_repo.email_exists(session, email):
        problems.append(
            FieldError(
                "email",
                "email_taken",
                N_("An account with this email address already exists. Sign in instead."),
            )
        )
    if problems:
        raise ValidationFailed(field_errors=problems)
    secret = totp_secret or totp.new_secret()
    user = User(
        email=email,
        password_hash=passwords.hash_password(password),
        kind=UserKind.STAFF.value,
        language="zh",
        totp_secret_enc=protection.cipher().encrypt(secret, "user.totp"),
    )
    session.add(user)
    await session.flush()
    staff = StaffMember(
        user_id=user.id,
        full_name=full_name.strip(),
        district=district,
        department=department,
        roles=sorted(set(roles)),
    )
    session.add(staff)
    await session.flush()
    await audit.record(
        session,
        "staff.created",
        actor=created_by,
        object_type="staff_member",
        object_id=staff.id,
        detail={"district": district, "department": department, "roles": staff.roles},
    )
    return NewStaff(user, staff, secret)


async def get_applicant(
    session: AsyncSession, principal: Principal, applicant_id: uuid.UUID
) -> ApplicantRead:
    applicant = await accounts_repo.get_applicant_readable(session, principal, applicant_id)
    if applicant is None:
        raise NotFound()
    return applicant_view(applicant)


async def find_applicant_by_id_number(
    session: AsyncSession, principal: Principal, kind: IdKind, number: str
) -> ApplicantRead:
    index = protection.id_index(kind, number)
    applicant = await accounts_repo.get_applicant_by_index(session, principal, index)
    await audit.record(
        session,
        "applicant.lookup",
        actor=principal,
        object_type="applicant",
        object_id=applicant.id if applicant else None,
        detail={"found": applicant is not None, "id_kind": kind.value},
    )
    if applicant is None:
        raise NotFoundAudited(N_("No applicant is registered with this ID or passport number."))
    return applicant_view(applicant)


async def reveal_id_number(
    session: AsyncSession, principal: Principal, applicant_id: uuid.UUID, purpose: str
) -> FullIdRead:
    """The full number, for roles that need it; every view is written to the audit log."""
    if not principal.can(Permission.VIEW_FULL_ID):
        raise PermissionDenied()
    applicant = await accounts_repo.get_applicant_readable(session, principal, applicant_id)
    if applicant is None:
        raise NotFound()
    number = protection.decrypt_id(applicant.id_number_enc)
    await audit.record(
        session,
        "applicant.full_id_viewed",
        actor=principal,
        object_type="applicant",
        object_id=applicant.id,
        detail={"purpose": purpose[:200]},
    )
    return FullIdRead(applicant_id=applicant.id, id_kind=applicant.id_kind, id_number=number)


async def list_employers(session: AsyncSession, principal: Principal) -> list[EmployerRead]:
    rows = await accounts_repo.list_employers(session, principal)
    return [EmployerRead.model_validate(r, from_attributes=True) for r in rows]


async def get_employer(
    session: AsyncSession, principal: Principal, employer_id: uuid.UUID
) -> EmployerRead:
    employer = await accounts_repo.get_employer_readable(session, principal, employer_id)
    if employer is None:
        raise NotFound()
    return EmployerRead.model_validate(employer, from_attributes=True)


async def list_staff(session: AsyncSession, principal: Principal) -> list[StaffRead]:
    rows = await accounts_repo.list_staff(session, principal)
    return [staff_view(s, s.user.email) for s in rows]


async def create_employer(
    session: AsyncSession, *, name: str, uscc: str, district: str
) -> Employer:
    code = normalize_uscc(uscc)
    if not is_valid_uscc(code):
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    "uscc",
                    "invalid_uscc",
                    N_("Enter a valid 18-character unified social credit code."),
                )
            ]
        )
    existing = await accounts_repo.get_employer_by_uscc(session, code)
    if existing is not None:
        return existing
    employer = Employer(name=name, uscc=code, district=district)
    session.add(employer)
    await session.flush()
    return employer


async def create_employer_user(
    session: AsyncSession,
    *,
    employer_id: uuid.UUID,
    email: str,
    password: str,
    full_name: str,
    totp_secret: str | None = None,
    role: OrgRole = OrgRole.ADMIN,
) -> User:
    """A login for an employer's contact, made by district admins or the demo loader: the
    address counts as confirmed, and the authenticator secret (``totp_secret`` or a new one,
    stored encrypted) is handed over with the account, as for staff."""
    email = email.strip().lower()
    problems = password_problems(password, email)
    if await accounts_repo.email_exists(session, email):
        problems.append(
            FieldError(
                "email",
                "email_taken",
                N_("An account with this email address already exists. Sign in instead."),
            )
        )
    if problems:
        raise ValidationFailed(field_errors=problems)
    user = User(
        email=email,
        password_hash=passwords.hash_password(password),
        kind="employer",
        language="zh",
        totp_secret_enc=protection.cipher().encrypt(totp_secret or totp.new_secret(), "user.totp"),
        email_verified_at=utcnow(),
    )
    session.add(user)
    await session.flush()
    session.add(
        EmployerUser(user_id=user.id, employer_id=employer_id, full_name=full_name, role=role.value)
    )
    await session.flush()
    await audit.record(
        session,
        "employer_user.created",
        actor_user_id=user.id,
        object_type="employer",
        object_id=employer_id,
    )
    return user
