"""The district's audit log for auditors: filtered reading and the hash chain's check (itself
audited)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import FieldError, ValidationFailed
from app.i18n import N_
from app.repositories import audit as audit_repo
from app.repositories import cases as cases_repo
from app.repositories.unit_of_work import AsyncSession
from app.schemas.text import CleanInput
from app.services import audit
from app.services.admin.services import require_permission
from app.services.audit import ChainReport
from app.workflow.values import SHANGHAI


class AuditRead(BaseModel):
    seq: int
    occurred_at: datetime
    actor_user_id: uuid.UUID | None
    actor_district: str | None
    district: str | None
    action: str
    object_type: str | None
    object_id: str | None
    detail: dict[str, Any]
    hash: str


class AuditFilter(CleanInput):
    """What an auditor narrows the log to; dates are Shanghai calendar days, both inclusive."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    action: str | None = Field(default=None, max_length=60)
    date_from: date | None = None
    date_to: date | None = None
    case_number: str | None = Field(default=None, max_length=30)
    before_seq: int | None = Field(default=None, ge=1)
    limit: int = Field(default=50, ge=1, le=500)

    def query(self) -> dict[str, str]:
        """The filters as query parameters, for the next-page link."""
        pairs = {
            "action": self.action,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "case_number": self.case_number,
        }
        return {k: v for k, v in pairs.items() if v}


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditRead]
    next_before_seq: int | None
    case_numbers: dict[str, str]
    staff_names: dict[str, str]  # actor user id -> staff member's name


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


async def read_audit(
    session: AsyncSession, principal: Principal, filters: AuditFilter
) -> AuditPage:
    """Auditors read the entries of their district: done by its staff or concerning its cases,
    services and staff. Nobody edits them; reading is itself audited."""
    require_permission(principal, Permission.READ_AUDIT)
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    "date_to", "date_order", N_("The end date must not be before the start date.")
                )
            ]
        )
    object_type = object_id = None
    if filters.case_number:
        case = await cases_repo.get_case_by_number(session, filters.case_number)
        if case is None or case.district != principal.district:
            # Another district's number answers like an unknown one.
            raise ValidationFailed(
                field_errors=[
                    FieldError(
                        "case_number",
                        "unknown_case",
                        N_("No case of your district has this number."),
                    )
                ]
            )
        object_type, object_id = "case", str(case.id)
    rows = await audit_repo.list_entries(
        session,
        district=principal.district,
        before_seq=filters.before_seq,
        limit=filters.limit + 1,
        action=filters.action or None,
        since=_local_start(filters.date_from) if filters.date_from else None,
        until=_local_start(filters.date_to + timedelta(days=1)) if filters.date_to else None,
        object_type=object_type,
        object_id=object_id,
    )
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    await audit.record(
        session,
        "audit.read",
        actor=principal,
        detail={"count": len(rows), "filters": filters.query()},
    )
    case_ids = {uuid.UUID(r.object_id) for r in rows if r.object_type == "case" and r.object_id}
    numbers = await cases_repo.case_numbers(session, case_ids) if case_ids else {}
    names = await audit_repo.staff_names(
        session, {r.actor_user_id for r in rows if r.actor_user_id}
    )
    return AuditPage(
        entries=[AuditRead.model_validate(r, from_attributes=True) for r in rows],
        next_before_seq=rows[-1].seq if more and rows else None,
        case_numbers={str(k): v for k, v in numbers.items()},
        staff_names={str(k): v for k, v in names.items()},
    )


async def audit_actions(session: AsyncSession, principal: Principal) -> list[str]:
    require_permission(principal, Permission.READ_AUDIT)
    return await audit_repo.distinct_actions(session)


async def verify_audit_chain(session: AsyncSession, principal: Principal) -> ChainReport:
    require_permission(principal, Permission.READ_AUDIT)
    report = await audit.verify_chain(session)
    # Who checked the chain, and what they were told, belongs in the log it checks.
    await audit.record(
        session,
        "audit.chain_checked",
        actor=principal,
        detail={"entries": report.entries, "ok": report.ok, "first_bad_seq": report.first_bad_seq},
        district=principal.district,
    )
    return report
