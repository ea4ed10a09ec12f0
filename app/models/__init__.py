"""All tables, imported here so Alembic's autogenerate sees the whole metadata."""

from app.models.accounts import Applicant, Consent, Employer, EmployerUser, StaffMember, User
from app.models.audit import AuditChainHead, AuditEntry
from app.models.base import Base
from app.models.sessions import AuthSession, LoginThrottle

__all__ = [
    "Applicant",
    "AuditChainHead",
    "AuditEntry",
    "AuthSession",
    "Base",
    "Consent",
    "Employer",
    "EmployerUser",
    "LoginThrottle",
    "StaffMember",
    "User",
]
