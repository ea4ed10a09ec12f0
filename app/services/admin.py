"""District administration: the service catalog, the holiday calendar, the audit log."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import CalendarDay, Service
from app.repositories import audit as audit_repo
from app.repositories import calendar as calendar_repo
from app.repositories import cases as cases_repo
from app.repositories import catalog as catalog_repo
from app.rules import cel
from app.rules.facts import FACTS, validate_facts
from app.services import audit, bundles
from app.services import calendar as calendar_service
from app.services.audit import ChainReport
from app.services.catalog import shipped_materials
from app.workflow.values import SHANGHAI


class MaterialEdit(BaseModel):
    """One material of a service: a code of the shipped material list (its names, kind and
    outside-system check come from there), whether it is key, and when it is asked."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str = Field(min_length=1, max_length=60)
    key: bool = False
    when: str | None = Field(default=None, max_length=200)


class ServiceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name_zh: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    description_zh: str | None = Field(default=None, max_length=2000)
    description_en: str | None = Field(default=None, max_length=2000)
    time_limit_days: int | None = Field(default=None, ge=1, le=20)
    allows_missing_materials: bool | None = None
    allows_commitment: bool | None = None
    needs_employer_confirmation: bool | None = None
    is_active: bool | None = None
    materials: list[MaterialEdit] | None = Field(default=None, max_length=30)


class AdminServiceRead(BaseModel):
    """A service as its district's admins edit it: both languages, inactive ones included."""

    id: uuid.UUID
    code: str
    district: str
    department: str
    policy_id: str | None
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    time_limit_days: int
    allows_missing_materials: bool
    allows_commitment: bool
    needs_employer_confirmation: bool
    is_active: bool
    is_bundle_step: bool
    materials: list[dict[str, Any]]
    version: int


def _admin_view(service: Service) -> AdminServiceRead:
    return AdminServiceRead(
        id=service.id,
        code=service.code,
        district=service.district,
        department=service.department,
        policy_id=service.policy_id,
        name_zh=service.name_zh,
        name_en=service.name_en,
        description_zh=service.description_zh,
        description_en=service.description_en,
        time_limit_days=service.time_limit_days,
        allows_missing_materials=service.allows_missing_materials,
        allows_commitment=service.allows_commitment,
        needs_employer_confirmation=service.needs_employer_confirmation,
        is_active=service.is_active,
        is_bundle_step=service.part_of is not None,
        materials=list(service.materials),
        version=service.version,
    )


# The conditions the application pages evaluate (``applications._material_needed``): one input
# fact compared with one literal. Anything richer would be silently treated as "always asked".
_CONDITION = re.compile(r"""^([a-z][a-z0-9_]*)\s*(==|!=)\s*(?:'([^'"]*)'|"([^'"]*)")$""")
_COMPARABLE = {"enum", "country", "string", "bool"}


def condition_problem(when: str) -> str | None:
    """Why a material's ``when`` condition is refused (a msgid), or None when it is valid."""
    match = _CONDITION.match(when.strip())
    if match is None:
        return N_("Write the condition as fact == 'value' or fact != 'value'.")
    fact, _op, single, double = match.groups()
    value = single if single is not None else double
    spec = FACTS.get(fact)
    if spec is None or spec.derived:
        return N_("The condition names a fact the forms do not ask.")
    if spec.type not in _COMPARABLE:
        return N_("A condition can compare only a choice, country, text or yes/no fact.")
    if spec.type == "bool":
        return (
            None
            if value in ("true", "false")
            else N_("Compare a yes/no fact with 'true' or 'false'.")
        )
    try:
        cel.parse(f"{fact} == {value!r}")
    except cel.CelError:
        return N_("Write the condition as fact == 'value' or fact != 'value'.")
    checked = validate_facts({fact: value})
    if not checked.ok:
        return N_("The value in the condition is not one the fact can take.")
    return None


def _material_rows(edits: list[MaterialEdit]) -> list[dict[str, object]]:
    shipped = shipped_materials()
    problems: list[FieldError] = []
    seen: set[str] = set()
    rows: list[dict[str, object]] = []
    for i, edit in enumerate(edits):
        spec = shipped.get(edit.code)
        if spec is None:
            problems.append(
                FieldError(
                    f"materials.{i}.code",
                    "unknown_material",
                    N_("Choose a material from the list."),
                )
            )
            continue
        if edit.code in seen:
            problems.append(
                FieldError(
                    f"materials.{i}.code", "duplicate", N_("Each material can be listed only once.")
                )
            )
            continue
        seen.add(edit.code)
        when = edit.when or None
        problem = condition_problem(when) if when else None
        if problem:
            problems.append(FieldError(f"materials.{i}.when", "invalid_condition", problem))
            continue
        rows.append({"code": edit.code, **spec.model_dump(), "key": edit.key, "when": when})
    if problems:
        raise ValidationFailed(field_errors=problems)
    return rows


class CalendarDayUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    is_workday: bool
    note: str | None = Field(default=None, max_length=200)


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


def _require(principal: Principal, permission: Permission) -> None:
    if not principal.can(permission):
        raise PermissionDenied()


async def list_services(session: AsyncSession, principal: Principal) -> list[AdminServiceRead]:
    """Every service of the admin's district, inactive ones included."""
    _require(principal, Permission.MANAGE_STAFF)
    rows = await catalog_repo.list_for_district(session, str(principal.district))
    return [_admin_view(s) for s in rows]


async def get_service(
    session: AsyncSession, principal: Principal, service_id: uuid.UUID
) -> AdminServiceRead:
    _require(principal, Permission.MANAGE_STAFF)
    service = await catalog_repo.get(session, service_id)
    if service is None or service.district != principal.district:
        raise NotFound()
    return _admin_view(service)


async def update_service(
    session: AsyncSession,
    principal: Principal,
    service_id: uuid.UUID,
    data: ServiceUpdate,
) -> AdminServiceRead:
    """Edits a service of the admin's district. New applications use the edit; submitted
    cases keep what they were submitted under."""
    _require(principal, Permission.MANAGE_STAFF)
    service = await catalog_repo.get(session, service_id)
    if service is None or service.district != principal.district:
        raise NotFound()
    changes = data.model_dump(exclude_none=True, exclude={"materials"})
    if data.materials is not None:
        if bundles.is_bundle(service):
            # The bundle's materials are those of each settlement route's own service.
            raise ValidationFailed(
                field_errors=[
                    FieldError(
                        "materials",
                        "bundle_materials",
                        N_("The bundle's materials come from each route's service; edit those."),
                    )
                ]
            )
        changes["materials"] = _material_rows(data.materials)
    before = {key: getattr(service, key) for key in changes}
    changed = {key: value for key, value in changes.items() if before[key] != value}
    if not changed:
        return _admin_view(service)
    for key, value in changed.items():
        setattr(service, key, value)
    service.version += 1
    await audit.record(
        session,
        "service.updated",
        actor=principal,
        object_type="service",
        object_id=service.id,
        district=service.district,
        detail={"changes": changed, "before": {k: before[k] for k in changed}},
    )
    await session.flush()
    return _admin_view(service)


class CalendarDayRead(BaseModel):
    day: date
    is_workday: bool
    source: str  # package (chinese_calendar) | admin
    note: str | None


class CalendarDaySaved(CalendarDayRead):
    deadlines_moved: int  # open cases whose deadline the edit moved


# Days outside this range are typing mistakes, not calendar corrections.
MIN_YEAR, MAX_YEAR = 2004, 2100


async def calendar_year(
    session: AsyncSession, principal: Principal, year: int
) -> list[CalendarDayRead]:
    """The year's days that differ from, or confirm, the Monday-to-Friday rule."""
    _require(principal, Permission.MANAGE_STAFF)
    rows = await calendar_repo.days_of_year(session, year)
    return [CalendarDayRead.model_validate(r, from_attributes=True) for r in rows]


async def set_calendar_day(
    session: AsyncSession, principal: Principal, day: date, data: CalendarDayUpdate
) -> CalendarDaySaved:
    """Admins correct or add days (the package lags each January); their rows are never
    overwritten by the package sync. Deadlines of cases whose clock runs move at once."""
    _require(principal, Permission.MANAGE_STAFF)
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    "day",
                    "out_of_range",
                    N_("Enter a day between {first} and {last}."),
                    {"first": MIN_YEAR, "last": MAX_YEAR},
                )
            ]
        )
    note = (data.note or "").strip() or None
    row = await calendar_repo.get_day(session, day)
    before = None if row is None else {"is_workday": row.is_workday, "note": row.note}
    if row is None:
        row = CalendarDay(day=day, is_workday=data.is_workday, source="admin", note=note)
        session.add(row)
    else:
        row.is_workday, row.source, row.note = data.is_workday, "admin", note
    await session.flush()
    moved = await calendar_service.recompute_open_deadlines(session)
    await audit.record(
        session,
        "calendar.updated",
        actor=principal,
        object_type="calendar_day",
        object_id=day.isoformat(),
        detail={
            "is_workday": data.is_workday,
            "note": note,
            "before": before,
            "deadlines_moved": moved,
        },
    )
    return CalendarDaySaved(
        day=day, is_workday=row.is_workday, source=row.source, note=row.note, deadlines_moved=moved
    )


class AuditFilter(BaseModel):
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
    _require(principal, Permission.READ_AUDIT)
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
    _require(principal, Permission.READ_AUDIT)
    return await audit_repo.distinct_actions(session)


async def verify_audit_chain(session: AsyncSession, principal: Principal) -> ChainReport:
    _require(principal, Permission.READ_AUDIT)
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
