"""Queries for applications and cases, each scoped to the caller."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Any, Literal, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    exists,
    false,
    func,
    or_,
    select,
    true,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.domain.enums import Department, Permission
from app.domain.principal import Principal
from app.models import (
    Applicant,
    Application,
    Case,
    CaseDocument,
    CaseEvent,
    CaseNote,
    CasePause,
    EmployerUser,
    Enrolment,
    Service,
    StaffMember,
    User,
)
from app.repositories.calendar import CURRENT_REVISION
from app.workflow.applications import ApplicationStatus
from app.workflow.payments import EnrolmentStatus
from app.workflow.states import CaseStatus


def applications_readable_by(principal: Principal) -> Select[Application]:
    stmt = select(Application)
    if principal.applicant_id is not None:
        return stmt.where(Application.applicant_id == principal.applicant_id)
    return stmt.where(Application.id.is_(None))


async def get_application(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> Application | None:
    stmt = applications_readable_by(principal).where(Application.id == application_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_application_by_key(
    session: AsyncSession, applicant_id: uuid.UUID, key: str
) -> Application | None:
    stmt = select(Application).where(
        Application.applicant_id == applicant_id, Application.idempotency_key == key
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_drafts(session: AsyncSession, principal: Principal) -> list[Application]:
    stmt = (
        applications_readable_by(principal)
        .where(Application.status == ApplicationStatus.DRAFT)
        .order_by(Application.updated_at.desc())
    )
    return list((await session.execute(stmt)).scalars())


def reaches_every_department(principal: Principal) -> bool:
    """Staff who read every department's cases of their district: supervisors (audited when
    they use it) and the 一窗通办 window, which files and receives for every department."""
    if principal.can(Permission.OVERSEE_DEPARTMENTS):
        return True
    return (
        principal.can(Permission.HANDLE_WINDOW)
        and principal.department == Department.SERVICE_CENTER.value
    )


# Built once: an alias makes a proxy of each of the table's columns, which per request cost
# more than the rest of the statement.
_PART = aliased(Case)
_HAS_PARTS = exists().where(_PART.parent_id == Case.id).correlate(Case)


def cases_readable_by(principal: Principal) -> Select[Case]:
    """Applicants: their own; staff: their district's cases of their department, and the
    bundles one of whose parts is their department's; employers: cases naming their employer
    and their organisation's own applications."""
    stmt = select(Case)
    if principal.applicant_id is not None:
        return stmt.where(Case.applicant_id == principal.applicant_id)
    if principal.staff_id is not None and principal.district:
        # Separation of duties: auditors, finance and system administrators do not read cases.
        if not principal.can(Permission.HANDLE_CASES):
            return stmt.where(Case.id.is_(None))
        stmt = stmt.where(Case.district == principal.district)
        if reaches_every_department(principal):
            return stmt
        if not principal.department:
            return stmt.where(Case.id.is_(None))
        part = _PART
        bundles_with_a_part_here = select(part.parent_id).where(
            part.parent_id.is_not(None),
            part.department == principal.department,
            part.district == principal.district,
        )
        return stmt.where(
            or_(Case.department == principal.department, Case.id.in_(bundles_with_a_part_here))
        )
    if principal.employer_id is not None:
        return stmt.where(
            or_(
                Case.employer_id == principal.employer_id,
                Case.organisation_id == principal.employer_id,
            )
        )
    return stmt.where(Case.id.is_(None))


async def get_case(session: AsyncSession, principal: Principal, case_id: uuid.UUID) -> Case | None:
    stmt = cases_readable_by(principal).where(Case.id == case_id)
    return (await session.execute(stmt)).scalar_one_or_none()


class CaseWithService(NamedTuple):
    case: Case
    service: Service
    calendar_revision: int
    has_parts: bool


async def get_case_with_service(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID
) -> CaseWithService | None:
    """The case (scoped to the caller) with its service, the calendar's revision and whether it
    has parts, in one round trip: every case page, read and action starts here."""
    stmt = (
        cases_readable_by(principal)
        .add_columns(Service, CURRENT_REVISION, _HAS_PARTS)
        .join(Service, Service.id == Case.service_id)
        .where(Case.id == case_id)
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        return None
    return CaseWithService(row[0], row[1], int(row[2]), bool(row[3]))


async def get_case_by_application(session: AsyncSession, application_id: uuid.UUID) -> Case | None:
    stmt = select(Case).where(Case.application_id == application_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_case_by_number(session: AsyncSession, number: str) -> Case | None:
    return (await session.execute(select(Case).where(Case.number == number))).scalar_one_or_none()


async def application_district(session: AsyncSession, application_id: uuid.UUID) -> str | None:
    stmt = (
        select(Service.district)
        .join(Application, Application.service_id == Service.id)
        .where(Application.id == application_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def part_departments(session: AsyncSession, parent_id: uuid.UUID) -> set[str]:
    stmt = select(Case.department).where(Case.parent_id == parent_id).distinct()
    return set((await session.execute(stmt)).scalars())


async def parts_of(session: AsyncSession, parent_id: uuid.UUID) -> list[Case]:
    """A bundle's parts, fresh from the database, in the order they were created."""
    stmt = (
        select(Case)
        .where(Case.parent_id == parent_id)
        .order_by(Case.number)
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars())


async def list_cases_for_applicant(session: AsyncSession, principal: Principal) -> list[Case]:
    """Top-level cases only: a bundle's parts are shown on the bundle."""
    stmt = (
        cases_readable_by(principal)
        .where(Case.parent_id.is_(None))
        .order_by(Case.submitted_at.desc())
    )
    return list((await session.execute(stmt)).scalars())


async def update_if_version(
    session: AsyncSession, case_id: uuid.UUID, expected_version: int, values: dict[str, Any]
) -> bool:
    """Optimistic lock: the write happens only if nobody changed the case in between."""
    result = await session.execute(
        update(Case)
        .where(Case.id == case_id, Case.version == expected_version)
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def events(session: AsyncSession, case_id: uuid.UUID) -> list[CaseEvent]:
    stmt = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.occurred_at)
    return list((await session.execute(stmt)).scalars())


async def pauses(session: AsyncSession, case_id: uuid.UUID) -> list[CasePause]:
    stmt = select(CasePause).where(CasePause.case_id == case_id).order_by(CasePause.started_on)
    return list((await session.execute(stmt)).scalars())


async def open_pause(session: AsyncSession, case_id: uuid.UUID) -> CasePause | None:
    stmt = select(CasePause).where(CasePause.case_id == case_id, CasePause.ended_on.is_(None))
    return (await session.execute(stmt)).scalar_one_or_none()


async def case_documents(session: AsyncSession, case_id: uuid.UUID) -> list[CaseDocument]:
    stmt = select(CaseDocument).where(CaseDocument.case_id == case_id)
    return list((await session.execute(stmt)).scalars())


async def employer_user_ids(session: AsyncSession, employer_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(EmployerUser.user_id).where(EmployerUser.employer_id == employer_id)
    return list((await session.execute(stmt)).scalars())


async def employer_recipients(
    session: AsyncSession, employer_id: uuid.UUID
) -> list[tuple[uuid.UUID, str]]:
    """(user id, language) of the employer's active accounts."""
    stmt = (
        select(User.id, User.language)
        .join(EmployerUser, EmployerUser.user_id == User.id)
        .where(EmployerUser.employer_id == employer_id, User.is_active.is_(True))
        .order_by(User.id)
    )
    return [(uid, lang) for uid, lang in (await session.execute(stmt)).all()]


async def last_event_of(session: AsyncSession, case_id: uuid.UUID, action: str) -> CaseEvent | None:
    stmt = (
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.action == action)
        .order_by(CaseEvent.occurred_at.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def queue(session: AsyncSession, principal: Principal, **filters: Any) -> list[Case]:
    """Keyset page ordered by deadline, then id (``queue_statement``'s filters)."""
    return list((await session.execute(queue_statement(principal, **filters))).scalars())


def queue_statement(
    principal: Principal,
    *,
    department: str | None,
    statuses: Collection[str] | None,
    service_id: uuid.UUID | None,
    due_before: date | None,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
    exclude_statuses: Collection[str] = (),
    handled_by: uuid.UUID | None = None,
    unpaused: bool = False,
    search: CaseSearch | None = None,
    priority: bool | None = None,
) -> Select[Case]:
    """The queue's keyset page ordered by deadline, then id; apart from ``queue`` so the
    bench can EXPLAIN the very statement the queue runs.

    ``handled_by``: cases this staff member is first responsible for (首问负责) or assigned to;
    ``unpaused``: only cases whose clock is not stopped for a supplement request;
    ``search``: one case by number, or the cases of applicants with that masked ID or a name
    starting so (each served by its own index, so a search costs the same at 1M cases);
    ``priority``: only the cases flagged for the 高层次人才服务专窗, or only the others.
    """
    stmt = cases_readable_by(principal)
    if priority is not None:
        # A literal, not a parameter: the partial index on flagged cases serves only a
        # statement whose plan can see the value (a generic plan of "priority = $1" cannot).
        stmt = stmt.where(Case.priority == (true() if priority else false()))
    if search is not None:
        stmt = stmt.where(_matching(search))
    if department:
        stmt = stmt.where(Case.department == department)
    if exclude_statuses:
        stmt = stmt.where(Case.status.not_in(list(exclude_statuses)))
    if handled_by is not None:
        stmt = stmt.where(
            or_(Case.first_responsible_staff_id == handled_by, Case.assignee_staff_id == handled_by)
        )
    if unpaused:
        stmt = stmt.where(Case.paused_since.is_(None))
    if service_id:
        stmt = stmt.where(Case.service_id == service_id)
    if due_before:
        stmt = stmt.where(Case.deadline_date <= due_before)
    if after is not None:
        # A row comparison: PostgreSQL seeks the index to the cursor instead of reading the
        # earlier pages again.
        stmt = stmt.where(tuple_(Case.deadline_date, Case.id) > tuple_(after[0], after[1]))
    order = (Case.deadline_date, Case.id)
    if statuses is not None and len(statuses) > 1 and search is None and handled_by is None:
        # One index range per status, each already in deadline order, then merged: with an
        # IN list PostgreSQL reads every case of those statuses and sorts them (seconds at 1M).
        firsts = [
            stmt.with_only_columns(Case.id)
            .where(Case.status == status)
            .order_by(*order)
            .limit(limit)
            .subquery()
            for status in sorted(statuses)
        ]
        ids = union_all(*(select(first.c.id) for first in firsts))
        return select(Case).where(Case.id.in_(ids)).order_by(*order).limit(limit)
    if statuses is not None:
        stmt = stmt.where(Case.status.in_(list(statuses)))
    if search is not None:
        # The matching cases first, then their order: PostgreSQL misjudges how many people a
        # name prefix matches and would walk the whole district by deadline looking for them
        # (seconds at 1M cases); a materialized CTE fixes the order of work.
        found = (
            stmt.with_only_columns(Case.id)
            .cte("found")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        return select(Case).where(Case.id.in_(select(found.c.id))).order_by(*order).limit(limit)
    return stmt.order_by(*order).limit(limit)


CaseSearch = tuple[Literal["number", "masked_id", "name"], str]


def _matching(search: CaseSearch) -> ColumnElement[bool]:
    kind, term = search
    if kind == "number":
        return Case.number == term
    if kind == "masked_id":
        people = select(Applicant.id).where(Applicant.id_number_masked == term)
    else:
        # A prefix on lower(full_name): the ix_applicant_name_prefix index serves it.
        escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        people = select(Applicant.id).where(
            func.lower(Applicant.full_name).like(escaped + "%", escape="\\")
        )
    return Case.applicant_id.in_(people)


async def get_application_by_id(
    session: AsyncSession, application_id: uuid.UUID
) -> Application | None:
    """For code that already holds a readable case of this application."""
    return await session.get(Application, application_id)


async def get_case_fresh(session: AsyncSession, case_id: uuid.UUID) -> Case | None:
    """The row as committed now, bypassing the session's identity map (after a lost race)."""
    stmt = select(Case).where(Case.id == case_id).execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def staff_names(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(StaffMember.id, StaffMember.full_name).where(StaffMember.id.in_(ids))
    )
    return dict(rows.all())


async def case_numbers(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Case.id, Case.number).where(Case.id.in_(ids)))
    return dict(rows.all())


async def benefit_overlaps(session: AsyncSession, case: Case, benefit: str) -> list[str]:
    """Numbers of the applicant's other cases for ``benefit`` (any district) that are open or
    still paid: the overlap staff are shown on the case page. Joined through the service, so
    cases from before cases carried their benefit are found too."""
    current_enrolment = (
        select(Enrolment.id)
        .where(Enrolment.case_id == Case.id, Enrolment.status != EnrolmentStatus.ENDED)
        .exists()
    )
    stmt = (
        select(Case.number)
        .join(Service, Service.id == Case.service_id)
        .where(
            Case.applicant_id == case.applicant_id,
            Case.id != case.id,
            Case.parent_id.is_(None),
            Service.benefit == benefit,
            or_(Case.status.not_in(sorted(CaseStatus.FINAL)), current_enrolment),
        )
        .order_by(Case.submitted_at, Case.number)
    )
    return list((await session.execute(stmt)).scalars())


async def notes(
    session: AsyncSession, case_id: uuid.UUID, *, applicant_only: bool
) -> list[CaseNote]:
    stmt = select(CaseNote).where(CaseNote.case_id == case_id).order_by(CaseNote.created_at)
    if applicant_only:
        stmt = stmt.where(CaseNote.to_applicant.is_(True))
    return list((await session.execute(stmt)).scalars())
