"""Who is calling: the resolved identity every access check and scoped query works from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from app.domain.enums import Permission, UserKind


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    session_id: uuid.UUID
    kind: UserKind
    email: str
    language: str
    display_name: str
    applicant_id: uuid.UUID | None = None
    staff_id: uuid.UUID | None = None
    employer_id: uuid.UUID | None = None
    district: str | None = None  # staff and employers
    department: str | None = None
    # An applicant's mobile number, so notices to the caller need not look it up again.
    mobile: str | None = field(default=None, repr=False)
    roles: tuple[str, ...] = ()
    permissions: frozenset[Permission] = field(default_factory=frozenset)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions
