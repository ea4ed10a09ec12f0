"""Organisation accounts beside the employer row: the verification history, invitations to
join an organisation, and employees' invitations to an organisation that is not registered."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPrimaryKey, utcnow


class OrganisationReview(UUIDPrimaryKey, Base):
    """One step of an organisation's verification (append-only): registration confirmed,
    approved, rejected with a reason, resubmitted after a change of name or licence. The name
    and licence digest at that step are kept, so the history shows what was checked."""

    __tablename__ = "organisation_review"

    employer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employer.id"), index=True)
    event: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    name: Mapped[str] = mapped_column(String(200))
    licence_sha256: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrganisationInvitation(UUIDPrimaryKey, Base):
    """An admin's invitation to an email address: a single-use, expiring link (digest only
    stored). The authenticator secret is made with it, so the page shows the same one until
    the invitation is accepted."""

    __tablename__ = "organisation_invitation"

    employer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("employer.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    totp_secret_enc: Mapped[bytes] = mapped_column(LargeBinary)
    invited_by_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))


class EmployerReferral(UUIDPrimaryKey, Base):
    """An applicant asked their unregistered employer to register (for rate limiting and the
    case's history). The addresses are kept masked only."""

    __tablename__ = "employer_referral"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_case.id"), index=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    email_masked: Mapped[str | None] = mapped_column(String(254))
    mobile_masked: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
