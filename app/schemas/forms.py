"""One input schema per form that a page and an API route both take: the API validates its JSON
body or query with it, the page its posted fields (app.core.forms.validate_form), so the same
input gets the same answer and the same field errors on either channel.

Schemas already shared as they were (case actions: app.schemas.cases.CaseActionRequest; housing
projects, units, renewal terms and move-outs: app.schemas.housing) are used by both channels
from where they are.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any, Literal, get_args

from pydantic import ConfigDict, EmailStr, Field, field_validator
from pydantic_core import PydanticCustomError

from app.domain.enums import Department
from app.i18n import N_
from app.schemas.accounts import Password
from app.schemas.housing import Layout
from app.schemas.text import CleanInput, Line
from app.workflow.states import CaseStatus

# An API's Idempotency-Key header, or a page's hidden idempotency_key field (made when the form
# is shown): a repeated post with the same key answers with what the first one did.
IDEMPOTENCY_KEY_MIN_LENGTH = 8
IDEMPOTENCY_KEY_MAX_LENGTH = 100


def _blank_is_none(value: Any) -> Any:
    """A form's empty field (an "All" option, a date left empty) is a value not given."""
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


def _choice(message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid", message)


# 一窗通办 ----------------------------------------------------------------------------------------


class WindowFiling(CleanInput):
    """A service filed for a walk-in at the window (page or counter app), accepted at once.

    ``answers`` are talent facts by name: the page sends its question fields, the API a JSON
    object in the ``answers`` field. Scanned files are read beside the schema (file parts named
    after the service's materials).
    """

    model_config = ConfigDict(extra="forbid")

    service_id: uuid.UUID
    answers: dict[str, Any] = Field(default_factory=dict)
    original_seen: list[str] = Field(
        default_factory=list, description="Material codes whose originals the clerk saw"
    )
    pending_due_on: date | None = Field(
        default=None, description="When documents that may follow are due (容缺受理)"
    )
    idempotency_key: str = Field(
        min_length=IDEMPOTENCY_KEY_MIN_LENGTH, max_length=IDEMPOTENCY_KEY_MAX_LENGTH
    )

    @field_validator("service_id", mode="before")
    @classmethod
    def _service(cls, value: Any) -> Any:
        if isinstance(value, uuid.UUID):
            return value
        try:
            return uuid.UUID(str(value or ""))
        except ValueError:
            raise _choice(N_("Choose a service.")) from None

    @field_validator("answers", mode="before")
    @classmethod
    def _json_object(cls, value: Any) -> Any:
        if value is None or value == "":
            return {}
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        if not isinstance(value, dict):
            raise _choice(N_("Send the answers as a JSON object."))
        return value

    @field_validator("pending_due_on", mode="before")
    @classmethod
    def _optional_date(cls, value: Any) -> Any:
        return _blank_is_none(value)


# Staff queue ------------------------------------------------------------------------------------

LIGHTS = ("amber", "red")


class QueueFilters(CleanInput):
    """The district queue's filters: the page's selects (where "All" is empty) or the API's
    query. Unknown query parameters (``lang``) are left to others."""

    status: list[CaseStatus] = Field(default_factory=list)
    light: Literal["amber", "red"] | None = Field(
        default=None,
        description="The escalation list: running cases due within 2 working days, or overdue",
    )
    department: Department | None = None
    service_id: uuid.UUID | None = None
    mine: bool = Field(
        default=False,
        description="Only my open cases: first responsible (首问负责) or assigned to me",
    )
    q: str | None = Field(
        default=None,
        max_length=100,
        description="A case number, a masked ID number as shown (310***********1234) or the "
        "start of the applicant's name",
    )
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=50, ge=1, le=200)

    @field_validator("department", mode="before")
    @classmethod
    def _department(cls, value: Any) -> Any:
        value = _blank_is_none(value)
        if value is not None and value not in {d.value for d in Department}:
            raise _choice(N_("Choose a department from the list."))
        return value

    @field_validator("status", mode="before")
    @classmethod
    def _statuses(cls, value: Any) -> Any:
        values = [v for v in (value if isinstance(value, list) else [value]) if _blank_is_none(v)]
        if any(v not in {s.value for s in CaseStatus} for v in values):
            raise _choice(N_("Choose a status from the list."))
        return values

    @field_validator("service_id", mode="before")
    @classmethod
    def _service(cls, value: Any) -> Any:
        value = _blank_is_none(value)
        if value is None or isinstance(value, uuid.UUID):
            return value
        try:
            return uuid.UUID(str(value))
        except ValueError:
            raise _choice(N_("Choose a service from the list.")) from None

    @field_validator("q", mode="before")
    @classmethod
    def _search(cls, value: Any) -> Any:
        return _blank_is_none(value)

    @field_validator("light", mode="before")
    @classmethod
    def _light(cls, value: Any) -> Any:
        value = _blank_is_none(value)
        if value is not None and value not in LIGHTS:
            raise _choice(N_("Choose a deadline from the list."))
        return value

    @field_validator("mine", mode="before")
    @classmethod
    def _mine(cls, value: Any) -> Any:
        value = _blank_is_none(value)
        return False if value is None else value

    @field_validator("cursor", mode="before")
    @classmethod
    def _cursor(cls, value: Any) -> Any:
        return _blank_is_none(value)


# Housing ----------------------------------------------------------------------------------------

LAYOUTS: tuple[str, ...] = get_args(Layout)


class PreferencesUpdate(CleanInput):
    """Projects and layouts the applicant would accept (none ticked: any)."""

    model_config = ConfigDict(extra="forbid")

    projects: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    layouts: list[Layout] = Field(default_factory=list, max_length=4)

    # Checkboxes of the page's own lists: a value from elsewhere is named, not ignored, and
    # the error points at the list rather than at one of its items.
    @field_validator("projects", mode="before")
    @classmethod
    def _projects(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        try:
            return [v if isinstance(v, uuid.UUID) else uuid.UUID(str(v)) for v in value]
        except ValueError:
            raise _choice(N_("Choose from the projects and layouts listed.")) from None

    @field_validator("layouts", mode="before")
    @classmethod
    def _layouts(cls, value: Any) -> Any:
        if isinstance(value, list) and any(v not in LAYOUTS for v in value):
            raise _choice(N_("Choose from the projects and layouts listed."))
        return value


# Finance ----------------------------------------------------------------------------------------


class CycleCreate(CleanInput):
    """A month's payment cycle: ``YYYY-MM`` (the page's field) or any day of the month."""

    model_config = ConfigDict(extra="forbid")

    month: date

    @field_validator("month", mode="before")
    @classmethod
    def _month(cls, value: Any) -> Any:
        if isinstance(value, date):
            return value
        text = str(value or "").strip()
        try:
            return date.fromisoformat(text + "-01" if len(text) == 7 else text)
        except ValueError:
            raise PydanticCustomError("invalid_month", N_("Enter a month as YYYY-MM.")) from None


class SubsidyEnrolment(CleanInput):
    """The account a beneficiary's rent subsidy is paid into, once their case is approved."""

    case_id: uuid.UUID
    account_name: Line = Field(max_length=100)
    bank_account: str = Field(max_length=40)


# Passwords --------------------------------------------------------------------------------------


class PasswordChange(CleanInput):
    """A signed-in user's new password, given with the current one (ASVS 6.2.2)."""

    model_config = ConfigDict(extra="forbid")

    current_password: Password
    new_password: Password
    new_password_confirm: Password


class PasswordResetRequest(CleanInput):
    """ "Forgot password": the address to send a reset link to. The answer is the same whether
    or not an account has it."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr

    @field_validator("email")
    @classmethod
    def _lower(cls, v: str) -> str:
        return v.strip().lower()


class PasswordReset(CleanInput):
    """A new password set with the token from a reset link."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200)
    new_password: Password
    new_password_confirm: Password
