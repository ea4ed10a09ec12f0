"""API shapes for registration, login and accounts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from app.domain import names
from app.domain.countries import is_iso_country
from app.domain.identity import (
    is_valid_cn_mobile,
    is_valid_passport,
    is_valid_resident_id,
    normalize_passport,
    normalize_resident_id,
)
from app.domain.phones import normalised_mobile
from app.i18n import N_
from app.schemas.text import CleanInput, Line, clean_line

Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(clean_line),
]
# Kept exactly as typed (spaces too), on every path: a password registered through one channel
# must sign in through any other.
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=128)]

ERR_ID_NUMBER = N_("Enter a valid 18-character resident ID number: the check digit does not match.")
ERR_PASSPORT = N_("Enter a passport number of 5 to 20 letters and digits.")
ERR_MOBILE = N_("Enter an 11-digit mainland mobile number, like 13800138000.")
ERR_NATIONALITY = N_(
    "Choose your nationality from the list (an ISO 3166-1 country code, like US or DE)."
)
ERR_PHONE = N_(
    "Enter the phone number in international form with its country code, like +44 7911 123456."
)
ERR_LATIN_NAME = N_(
    "Enter your name in Latin letters, as in your passport. You can give your Chinese name "
    "in its own field."
)
ERR_CHINESE_NAME = N_(
    "Enter your Chinese name in Chinese characters (up to 20), or leave it empty."
)
ERR_CONSENT = N_("You must agree to the personal information notice to register.")


class _Strict(CleanInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _RegistrationBase(_Strict):
    email: EmailStr
    password: Password
    full_name: Name
    language: Literal["zh", "en"] = "zh"
    consent_personal_info: bool = Field(
        description="Agreement to the personal information notice (PIPL art. 14)"
    )

    @field_validator("email")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.strip().lower()

    @field_validator("consent_personal_info")
    @classmethod
    def _must_consent(cls, v: bool) -> bool:
        if not v:
            raise PydanticCustomError("consent_required", ERR_CONSENT)
        return v


class DomesticRegistration(_RegistrationBase):
    applicant_type: Literal["domestic"] = "domestic"
    id_number: str = Field(description="居民身份证号码 (GB 11643)")
    mobile: str

    @field_validator("id_number")
    @classmethod
    def _check_id(cls, v: str) -> str:
        if not is_valid_resident_id(v):
            raise PydanticCustomError("invalid_id_number", ERR_ID_NUMBER)
        return normalize_resident_id(v)

    @field_validator("mobile")
    @classmethod
    def _check_mobile(cls, v: str) -> str:
        if not is_valid_cn_mobile(v):
            raise PydanticCustomError("invalid_mobile", ERR_MOBILE)
        return v.strip()


def checked_latin_name(v: str) -> str:
    if not names.is_latin_name(v):
        raise PydanticCustomError("invalid_latin_name", ERR_LATIN_NAME)
    return v


def checked_chinese_name(v: str | None) -> str | None:
    try:
        return names.chinese_name(v)
    except ValueError:
        raise PydanticCustomError("invalid_chinese_name", ERR_CHINESE_NAME) from None


def checked_overseas_phone(v: str | None, region: str | None) -> str | None:
    """E.164 (or a mainland mobile's 11 digits); None when left empty."""
    if v is None or not v.strip():
        return None
    stored = normalised_mobile(v, region)
    if stored is None:
        raise PydanticCustomError("invalid_mobile", ERR_PHONE)
    return stored


class OverseasRegistration(_RegistrationBase):
    applicant_type: Literal["overseas"] = "overseas"
    # The name as in the passport (Latin script); a Chinese name beside it if the person has one.
    chinese_name: str | None = Field(default=None, max_length=40)
    passport_number: str
    nationality: str = Field(description="ISO 3166-1 alpha-2")
    mobile: str | None = Field(
        default=None,
        max_length=40,
        description="International form (+44 7911 123456); stored as E.164",
    )

    @field_validator("full_name")
    @classmethod
    def _check_latin_name(cls, v: str) -> str:
        return checked_latin_name(v)

    @field_validator("chinese_name")
    @classmethod
    def _check_chinese_name(cls, v: str | None) -> str | None:
        return checked_chinese_name(v)

    @field_validator("passport_number")
    @classmethod
    def _check_passport(cls, v: str) -> str:
        if not is_valid_passport(v):
            raise PydanticCustomError("invalid_passport", ERR_PASSPORT)
        return normalize_passport(v)

    @field_validator("nationality")
    @classmethod
    def _check_nationality(cls, v: str) -> str:
        v = v.strip().upper()
        if not is_iso_country(v) or v == "CN":
            raise PydanticCustomError("invalid_nationality", ERR_NATIONALITY)
        return v

    @field_validator("mobile")
    @classmethod
    def _check_mobile(cls, v: str | None, info: ValidationInfo) -> str | None:
        # A number typed without its country code is read as one of the nationality's country.
        return checked_overseas_phone(v, info.data.get("nationality"))


Registration = Annotated[
    DomesticRegistration | OverseasRegistration, Field(discriminator="applicant_type")
]


class LoginRequest(_Strict):
    email: Line = Field(max_length=254)
    password: Password
    totp_code: str | None = Field(default=None, max_length=10)


class RefreshRequest(_Strict):
    refresh_token: str = Field(min_length=10, max_length=200)


class RegistrationAccepted(BaseModel):
    """The one answer to every registration that passes the form's own checks, whether or not
    the email address or ID number was registered already: a message went to the address."""

    status: Literal["confirmation_sent"] = "confirmation_sent"


class EmailConfirmationRequest(_Strict):
    token: str = Field(min_length=1, max_length=200)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class ApplicantRead(BaseModel):
    id: uuid.UUID
    applicant_type: str
    full_name: str
    chinese_name: str | None = None
    email: str
    id_kind: str
    id_number_masked: str
    nationality: str
    mobile_masked: str | None
    mobile_international: str | None = Field(
        default=None, description="The person's own number in international form"
    )
    language: str
    created_at: datetime


class StaffRead(BaseModel):
    id: uuid.UUID
    full_name: str
    email: str
    district: str
    department: str
    roles: list[str]


class EmployerRead(BaseModel):
    id: uuid.UUID
    name: str
    uscc: str
    district: str


class AccountRead(BaseModel):
    user_id: uuid.UUID
    kind: str
    email: str
    language: str
    display_name: str
    applicant: ApplicantRead | None = None
    staff: StaffRead | None = None
    employer: EmployerRead | None = None


class LanguageUpdate(_Strict):
    language: Literal["zh", "en"]


class FullIdRead(BaseModel):
    applicant_id: uuid.UUID
    id_kind: str
    id_number: str
