"""Shapes for organisation accounts: registration, verification, users and invitations, and an
applicant's invitation to an employer that has not registered."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from app.domain.enums import District, OrganisationType, OrgRole
from app.domain.identity import is_valid_cn_mobile, is_valid_uscc, normalize_uscc
from app.i18n import N_
from app.schemas.accounts import ERR_MOBILE, Name, Password, _Strict

ERR_USCC = N_(
    "Enter a valid 18-character unified social credit code: the check character does not match."
)

OrgName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
TotpCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=6, max_length=10)]


class _Uscc(_Strict):
    uscc: str = Field(description="统一社会信用代码 (GB 32100)")

    @field_validator("uscc")
    @classmethod
    def _check_uscc(cls, v: str) -> str:
        code = normalize_uscc(v)
        if not is_valid_uscc(code):
            raise PydanticCustomError("invalid_uscc", ERR_USCC)
        return code


class OrganisationRegistration(_Uscc):
    """The organisation and its first user, who becomes its admin. The business licence is
    the file sent with it (multipart field ``file``)."""

    org_type: OrganisationType
    name: OrgName
    district: District = Field(description="District of registration")
    registered_capital_cny: int = Field(ge=0, le=10**14, description="Whole yuan")
    industry: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    email: EmailStr
    password: Password
    full_name: Name
    language: Literal["zh", "en"] = "zh"

    @field_validator("email")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.strip().lower()


class OrganisationChange(_Strict):
    """A new name (the licence, if any, is the file sent with it): staff check it again."""

    name: OrgName


class Enrolment(_Strict):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    totp_code: TotpCode


class InvitationCreate(_Strict):
    email: EmailStr
    role: OrgRole

    @field_validator("email")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.strip().lower()


class InvitationAccept(_Strict):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    full_name: Name
    password: Password
    totp_code: TotpCode


class RoleChange(_Strict):
    role: OrgRole


class VerificationDecision(_Strict):
    decision: Literal["approve", "reject"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class EmployerInvite(_Strict):
    """An applicant asks the employer they named to register: an email address, a mobile
    number, or both."""

    email: EmailStr | None = None
    mobile: str | None = None

    @field_validator("email", mode="before")
    @classmethod
    def _blank_email(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("mobile")
    @classmethod
    def _check_mobile(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        if not is_valid_cn_mobile(v):
            raise PydanticCustomError("invalid_mobile", ERR_MOBILE)
        return v.strip()


class ReviewEntry(BaseModel):
    at: datetime
    event: str
    from_status: str
    to_status: str
    status_label: str
    reason: str | None
    name: str


class OrganisationRead(BaseModel):
    id: uuid.UUID
    name: str
    uscc: str
    district: str
    org_type: str
    status: str
    status_label: str
    registered_capital_cny: int | None
    industry: str | None
    licence_name: str | None
    history: list[ReviewEntry] = []
    # Staff may approve or reject it now (it waits for their check).
    awaits_decision: bool = False


class MemberRead(BaseModel):
    user_id: uuid.UUID
    email: str
    full_name: str
    role: str
    is_me: bool


class InvitationRead(BaseModel):
    id: uuid.UUID
    email: str
    role: str
    expires_at: datetime


class OrganisationHome(BaseModel):
    organisation: OrganisationRead
    members: list[MemberRead]
    invitations: list[InvitationRead]
    can_manage: bool


class EnrolmentRead(BaseModel):
    """What the enrolment page shows: the secret to add to an authenticator app."""

    email: str
    organisation_name: str
    totp_secret: str
    totp_uri: str
    role: str | None = None


class Registered(BaseModel):
    detail: str
