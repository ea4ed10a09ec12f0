"""Accounts: applicants' registration and sign-in, sessions and consents, staff, held forms."""

from app.services.accounts.credentials import change_password, request_reset, reset_password
from app.services.accounts.users import (
    account_view,
    applicant_view,
    build_principal,
    consent_history,
    login,
    logout,
    password_problems,
    refresh,
    register_applicant,
    registered_account,
    resolve,
    set_language,
    staff_view,
)

__all__ = [
    "account_view",
    "applicant_view",
    "build_principal",
    "change_password",
    "consent_history",
    "login",
    "logout",
    "password_problems",
    "refresh",
    "register_applicant",
    "registered_account",
    "request_reset",
    "reset_password",
    "resolve",
    "set_language",
    "staff_view",
]
