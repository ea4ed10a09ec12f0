"""Login identities and their role records: applicants, staff, employers, consents."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamps, UUIDPrimaryKey, utcnow


class User(UUIDPrimaryKey, Timestamps, Base):
    """A login identity. Exactly one of applicant / staff / employer_user hangs off it."""

    __tablename__ = "user"
    __table_args__ = (CheckConstraint("kind IN ('applicant','staff','employer')", name="kind"),)

    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5), default="zh")
    is_active: Mapped[bool] = mapped_column(default=True)
    # TOTP secret, AES-GCM encrypted; required for staff.
    totp_secret_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Last accepted TOTP time step, so a code cannot be replayed within its window.
    totp_last_step: Mapped[int | None]
    last_login_at: Mapped[datetime | None]
    # When the owner proved the mailbox is theirs (the link sent at registration). An applicant
    # signs in only once it is set; staff and employer users are made by an administrator.
    email_verified_at: Mapped[datetime | None]

    applicant: Mapped[Applicant | None] = relationship(back_populates="user", lazy="raise")
    staff: Mapped[StaffMember | None] = relationship(back_populates="user", lazy="raise")
    employer_user: Mapped[EmployerUser | None] = relationship(back_populates="user", lazy="raise")


class Applicant(UUIDPrimaryKey, Timestamps, Base):
    """A talent applicant. The ID/passport number is stored only encrypted plus a blind index."""

    __tablename__ = "applicant"
    __table_args__ = (
        CheckConstraint("applicant_type IN ('domestic','overseas')", name="applicant_type"),
        CheckConstraint("id_kind IN ('resident_id','passport')", name="id_kind"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"), unique=True)
    applicant_type: Mapped[str] = mapped_column(String(20))
    full_name: Mapped[str] = mapped_column(String(100))
    # A passport holder's name is the Latin one above; the Chinese name they also use, if any.
    chinese_name: Mapped[str | None] = mapped_column(String(50))
    id_kind: Mapped[str] = mapped_column(String(20))
    id_number_enc: Mapped[bytes] = mapped_column(LargeBinary)
    # HMAC of kind + normalised number: lookups and uniqueness without decrypting.
    id_number_index: Mapped[str] = mapped_column(String(64), unique=True)
    # Masked form kept beside the ciphertext so lists never need to decrypt; staff search
    # cases by it as lists show it.
    id_number_masked: Mapped[str] = mapped_column(String(40), index=True)
    nationality: Mapped[str] = mapped_column(String(2))
    # A mainland mobile as its 11 digits; an overseas person's number as E.164 (+447911123456).
    mobile: Mapped[str | None] = mapped_column(String(20))
    # Facts the applicant keeps in their profile (talent-facts vocabulary), used by the rules.
    profile_facts: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)

    user: Mapped[User] = relationship(back_populates="applicant", lazy="raise")


# The staff case search by the start of a name: lower(full_name) LIKE 'term%'. On PostgreSQL
# text_pattern_ops lets a prefix LIKE use the index whatever the database's collation.
Index(
    "ix_applicant_name_prefix",
    func.lower(Applicant.full_name).label("name_lower"),
    postgresql_ops={"name_lower": "text_pattern_ops"},
)


class Consent(UUIDPrimaryKey, Base):
    """A consent given (and possibly withdrawn) for a purpose under a notice version (PIPL)."""

    __tablename__ = "consent"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    notice_version: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]


class StaffMember(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "staff_member"
    __table_args__ = (CheckConstraint("district IN ('yangpu','changning')", name="district"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"), unique=True)
    full_name: Mapped[str] = mapped_column(String(100))
    district: Mapped[str] = mapped_column(String(20), index=True)
    department: Mapped[str] = mapped_column(String(40))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)

    user: Mapped[User] = relationship(back_populates="staff", lazy="raise")


class Employer(UUIDPrimaryKey, Timestamps, Base):
    """An organisation (enterprise, institution, social organisation, HR service agency).

    ``status`` is ``app.workflow.organisations.OrganisationStatus``: one registered through the
    portal is verified by its district's staff; one made by staff (or the demo) starts verified.
    """

    __tablename__ = "employer"
    __table_args__ = (CheckConstraint("district IN ('yangpu','changning')", name="district"),)

    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    district: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), server_default="verified", index=True)
    org_type: Mapped[str] = mapped_column(String(30), server_default="enterprise")
    registered_capital_cny: Mapped[int | None] = mapped_column(BigInteger)
    industry: Mapped[str | None] = mapped_column(String(100))
    # The business licence: stored by the upload storage under a generated key.
    licence_storage_key: Mapped[str | None] = mapped_column(String(100))
    licence_name: Mapped[str | None] = mapped_column(String(255))
    licence_content_type: Mapped[str | None] = mapped_column(String(50))
    licence_sha256: Mapped[str | None] = mapped_column(String(64))


class EmployerUser(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "employer_user"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"), unique=True)
    employer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employer.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(100))
    # app.domain.enums.OrgRole: admin, hr_officer or finance_contact.
    role: Mapped[str] = mapped_column(String(20), server_default="admin")

    user: Mapped[User] = relationship(back_populates="employer_user", lazy="raise")
    employer: Mapped[Employer] = relationship(lazy="raise")
