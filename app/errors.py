"""Typed domain errors. Services raise these; the web layer renders them per channel.

Messages are English msgids translated when rendered, so one error reads in the caller's language.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from app.i18n import N_


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str  # msgid
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    # Already bilingual text (the rules module carries zh/en in its data), used instead of
    # translating ``message`` when present.
    localized: dict[str, str] | None = None

    def text(self, lang: str, translate: Any) -> str:
        if self.localized:
            return self.localized.get(lang) or self.localized.get("zh") or self.message
        try:
            return str(translate(lang, self.message, self.params))
        except (KeyError, IndexError, ValueError):
            return str(translate(lang, self.message))


class AppError(Exception):
    status_code: int = 400
    code: str = "bad_request"
    title: str = N_("The request could not be processed")
    default_detail: str | None = None
    # When True the request transaction commits before the error is answered: for security
    # counters and audit rows that must survive the failure they describe (failed logins).
    preserve_writes: bool = False

    def __init__(
        self,
        detail: str | None = None,
        *,
        params: dict[str, Any] | None = None,
        field_errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.detail = detail if detail is not None else self.default_detail
        self.params = params or {}
        self.field_errors = field_errors or []
        self.headers = headers or {}
        self.extra = extra or {}
        super().__init__(self.detail or self.title)

    async def after_settle(self) -> None:
        """Runs once the request scope has settled the failed transaction (rolled back, or
        committed for ``preserve_writes``), in a transaction of its own that the scope commits.

        The answer to most errors needs nothing more. A form page shown again reads here what it
        lists (app.core.forms.PageError), so it never shows work that was just undone.
        """


class ValidationFailed(AppError):
    status_code = 422
    code = "validation_failed"
    title = N_("There is a problem with the information you gave")

    @classmethod
    def on_field(cls, name: str, message: str, **params: object) -> ValidationFailed:
        """One field's error, shown beside that field and in the page's error summary."""
        return cls(message, field_errors=[FieldError(name, "invalid", message, params)])


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    title = N_("Not found")
    default_detail = N_("The page or record you asked for does not exist.")


class AuthenticationRequired(AppError):
    status_code = 401
    code = "authentication_required"
    title = N_("Please sign in")
    default_detail = N_("You need to sign in to continue.")


class EmailNotConfirmed(AppError):
    """The password was right, but the applicant has not yet opened the link sent to confirm
    the email address (so the answer tells nothing the caller did not know)."""

    status_code = 403
    code = "email_not_confirmed"
    title = N_("Confirm your email address first")
    default_detail = N_(
        "Open the link we sent to your email address to finish registration, then sign in. "
        "If the link has expired, register again with the same email address to get a new one."
    )


class SessionRevoked(AuthenticationRequired):
    """A refresh token that was already replaced came back: its whole login was revoked, and
    the revocation (with its audit entry) must survive this refusal."""

    preserve_writes = True
    default_detail = N_("Your session has ended. Please sign in again.")


class InvalidCredentials(AppError):
    preserve_writes = True
    status_code = 401
    code = "invalid_credentials"
    title = N_("Sign-in failed")
    default_detail = N_(
        "The email address, password or verification code is not correct. "
        "Staff also enter the code from their authenticator app."
    )


class AccountLocked(AppError):
    """Sign-in from this client is paused for a while after failed attempts (growing delays)."""

    preserve_writes = True
    status_code = 429
    code = "login_delayed"
    title = N_("Too many failed sign-in attempts")
    default_detail = N_(
        "Sign-in is paused after several failed attempts. Try again in {seconds} seconds."
    )


class PermissionDenied(AppError):
    status_code = 403
    code = "forbidden"
    title = N_("You do not have access")
    default_detail = N_("Your account is not allowed to do this.")


class Conflict(AppError):
    status_code = 409
    code = "conflict"
    title = N_("This conflicts with existing information")


class BenefitAlreadyHeld(Conflict):
    """One benefit, one open application or current enrolment per person."""

    code = "benefit_already_held"
    title = N_("You already have this benefit or an application for it")
    default_detail = N_(
        "You already have an open application or a current payment for this benefit "
        "(case {case}). One person holds it once at a time: you can apply again when that "
        "case has ended (rejected, withdrawn or closed) and no payments are made from it."
    )


class CsrfFailed(AppError):
    status_code = 403
    code = "csrf_failed"
    title = N_("The form has expired")
    default_detail = N_("For your security the form expired. Please go back and try again.")


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"
    title = N_("Too many requests")
    default_detail = N_("You have made too many requests. Please wait a moment and try again.")


class PayloadTooLarge(AppError):
    status_code = 413
    code = "file_too_large"
    title = N_("The file is too large")
    default_detail = N_("The file must be smaller than {max_mb} MB.")


class RequestTooLarge(AppError):
    status_code = 413
    code = "request_too_large"
    title = N_("The request is too large")
    default_detail = N_("A form or request body must be smaller than {max_kb} KB.")


class RequestTimedOut(AppError):
    status_code = 408
    code = "request_timeout"
    title = N_("The request took too long to arrive")
    default_detail = N_(
        "The request was not received within {seconds} seconds. Check the connection and try again."
    )


class UploadQuotaReached(AppError):
    status_code = 409
    code = "upload_quota_reached"
    title = N_("Your document wallet is full")
    default_detail = N_(
        "Each applicant can upload at most {max_files} documents and {max_mb} MB in all, and "
        "this upload would go over that limit. Contact the service centre if you need more."
    )


class StorageFull(AppError):
    """The upload disk ran out of space (ENOSPC, or a quota) while the file was written."""

    status_code = 507
    code = "storage_full"
    title = N_("The document could not be stored")
    default_detail = N_(
        "There is no space left to store documents. Nothing was saved; try again later."
    )

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "60"})


class DatabaseUnavailable(AppError):
    """The connection to the database was lost during the request (the server restarted, or
    an administrator ended the session): the transaction is gone, so retrying is safe."""

    status_code = 503
    code = "database_unavailable"
    title = N_("The service is briefly unavailable")
    default_detail = N_(
        "The connection to the database was lost before your request was completed. Try "
        "again in a few seconds."
    )

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "2"})


class Overloaded(AppError):
    """More requests arrived than the worker serves at once, and no slot freed within the
    admission wait (app/core/shedding.py): nothing was done, so retrying is safe."""

    status_code = 503
    code = "overloaded"
    title = N_("The service is busy")
    default_detail = N_("Too many people are using the service right now. Try again in a moment.")

    def __init__(self, retry_after: int) -> None:
        super().__init__(headers={"Retry-After": str(retry_after)})


class UnsupportedMediaType(AppError):
    status_code = 415
    code = "unsupported_file_type"
    title = N_("The file type is not accepted")
    default_detail = N_("Upload a PDF, JPG or PNG file. The file's content must match its name.")


class NotFoundAudited(NotFound):
    """Not found, but the attempt itself is audited (e.g. looking a person up by ID number)."""

    preserve_writes = True
