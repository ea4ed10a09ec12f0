"""Accounts: applicants' registration and sign-in, sessions and consents, staff, held forms."""

from app.services.accounts.credentials import change_password, request_reset, reset_password
from app.services.accounts.registration import (
    confirm_email,
    register,
    register_applicant,
    send_confirmation,
)
from app.services.accounts.users import (
    account_view,
    applicant_view,
    build_principal,
    consent_history,
    login,
    logout,
    password_problems,
    refresh,
    resolve,
    set_language,
    staff_view,
)

__all__ = [
    "account_view",
    "applicant_view",
    "build_principal",
    "change_password",
    "confirm_email",
    "consent_history",
    "login",
    "logout",
    "password_problems",
    "refresh",
    "register",
    "register_applicant",
    "request_reset",
    "reset_password",
    "resolve",
    "send_confirmation",
    "set_language",
    "staff_view",
]
