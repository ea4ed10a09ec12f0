"""Queries for applications and cases, each scoped to the caller."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    JSON,
    Select,
    String,
    Table,
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.models import (
    Application,
    Case,
    CaseCounter,
    CaseDocument,
    CaseEvent,
    CaseNote,
    CasePause,
    CaseSchedule,
    Consent,
    EmployerUser,
    FollowUpTask,
    OutboxMessage,
    Rating,
    Service,
    StaffMember,
    User,
)
from app.repositories import audit as audit_repo
from app.repositories import notifications as notifications_repo
from app.repositories.calendar import CURRENT_REVISION
from app.workflow.applications import ApplicationStatus
from app.workflow.schedules import ScheduleKind, ScheduleStatus
from app.workflow.tasks import FollowUpStatus
from app.workflow.values import FollowUp

# Applications -------------------------------------------------------------------------------


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


# Built once with bound parameters (the applicant's own rows only): every submission runs it.
# The calendar's revision rides along, so the deadline needs no query of its own when this
# worker already holds the calendar at that revision.
_FOR_SUBMIT = (
    select(Application, Service, CURRENT_REVISION)
    .join(Service, Service.id == Application.service_id)
    .where(
        Application.applicant_id == bindparam("applicant_id"),
        or_(Application.id == bindparam("id"), Application.idempotency_key == bindparam("key")),
    )
    .with_for_update(of=Application)
)


class ForSubmit(NamedTuple):
    """What a submission reads first."""

    found: tuple[Application, Service] | None  # the application to submit (locked), its service
    replay: Application | None  # the application the Idempotency-Key already opened
    calendar_revision: int | None


async def applications_for_submit(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID, key: str
) -> ForSubmit:
    """The caller's application to submit (locked) with its service, the application ``key``
    already opened, if any, and the calendar's revision.

    One read instead of four: this runs on every submission. Only application rows are
    locked, never the shared service row.
    """
    if principal.applicant_id is None:
        return ForSubmit(None, None, None)
    params = {"applicant_id": principal.applicant_id, "id": application_id, "key": key}
    rows = (await session.execute(_FOR_SUBMIT, params)).all()
    return ForSubmit(
        next(((row[0], row[1]) for row in rows if row[0].id == application_id), None),
        next((row[0] for row in rows if row[0].idempotency_key == key), None),
        int(rows[0][2]) if rows else None,
    )


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


@functools.cache
def _defaults(table: Table) -> tuple[tuple[str, Any, bool], ...]:
    """Each column's key, Python default (None without one) and whether that is a callable."""
    out = []
    for column in table.columns:
        default = column.default
        if default is not None and default.is_callable:
            out.append((column.key, default.arg, True))  # type: ignore[attr-defined]
        elif default is not None and default.is_scalar:
            out.append((column.key, default.arg, False))  # type: ignore[attr-defined]
        else:
            out.append((column.key, None, False))
    return tuple(out)


def _full_row(model: type[Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """Every column of a new row: the given values, else the column's Python default."""
    return {
        key: given[key] if key in given else (default(None) if call else default)
        for key, default, call in _defaults(_table(model))
    }


def _bound(model: type[Any], prefix: str) -> dict[str, Any]:
    return {c.key: bindparam(f"{prefix}{c.key}", type_=c.type) for c in _table(model).columns}


_APPLICATION_SUBMITTED = (
    "status",
    "submitted_at",
    "idempotency_key",
    "declaration_at",
    "sensitive_consent_at",
    "updated_at",
)


# PostgreSQL numbers the case in the statement: the upsert bumps the district's counter for the
# year (creating it with the year's first case), and the number is the prefix and the counter.
# The counter row stays locked to the commit, like the audit chain's tip the same statement
# moves, so numbering adds no serialised section of its own; and a failed submission gives its
# number back with the rollback, so numbers have no gaps.
def _next_number(dialect_insert: Any) -> Any:
    """The district's next number for the year, as one upsert (the year's first creates the
    row; concurrent ones queue on its lock)."""
    return (
        dialect_insert(CaseCounter)
        .values(district=bindparam("q_district"), year=bindparam("q_year"), last_number=1)
        .on_conflict_do_update(
            index_elements=["district", "year"],
            set_={"last_number": CaseCounter.last_number + 1},
        )
        .returning(CaseCounter.last_number)
    )


_NUMBERED = _next_number(pg_insert).cte("numbered")
_NEXT_NUMBER_SQLITE = _next_number(sqlite_insert)
_NUMBER = select(
    bindparam("q_prefix", type_=String)
    + func.lpad(sql_cast(_NUMBERED.c.last_number, String), 6, "0")
).scalar_subquery()
# Notices name the case number (``case_number`` in their params), known only here.
_NOTICE_NUMBER_PATH: Any = literal_column("'{params,case_number}'")


def _notice_values(i: int) -> dict[str, Any]:
    values = _bound(OutboxMessage, f"o{i}_")
    given = sql_cast(bindparam(f"o{i}_payload", type_=JSON), JSONB)
    values["payload"] = sql_cast(
        func.jsonb_set(given, _NOTICE_NUMBER_PATH, func.to_jsonb(_NUMBER)), JSON
    )
    return values


# PostgreSQL: the whole submission in one statement, built once per shape so it stays
# compiled. The application update, the consent, the first event, the documents, the notices
# and the audit entry are data-modifying CTEs of the case INSERT; foreign keys are checked at
# the end of the statement, when the case row exists.
# Every parameter is prefixed: an unprefixed key that names a column of another table in the
# statement (id, status...) would be taken into that table's SET clause as well.
_OPEN_CASE = (
    insert(Case)
    .values({**_bound(Case, "k_"), "number": _NUMBER})
    .returning(Case.number)
    .add_cte(
        update(Application)
        .where(Application.id == bindparam("a_id"))
        .values(
            {
                name: bindparam(f"a_{name}", type_=_table(Application).c[name].type)
                for name in _APPLICATION_SUBMITTED
            }
        )
        .cte("submitted_application")
    )
    .add_cte(insert(Consent).values(_bound(Consent, "c_")).cte("given_consent"))
    .add_cte(insert(CaseEvent).values(_bound(CaseEvent, "e_")).cte("first_event"))
)


@functools.cache
def _open_case_with(documents: int, notices: int, audited: bool) -> Any:
    """The submission statement with ``documents`` attached documents, ``notices`` outbox rows
    and, if ``audited``, the audit entry; built once per shape. A repeated notice adds nothing
    (ON CONFLICT on the dedup key), as ``notifications_repo.add_outbox_rows``.
    """
    # One single-row INSERT per row: a multi-row VALUES has no cache key, so SQLAlchemy would
    # compile it on every submission.
    ctes = [
        insert(CaseDocument).values(_bound(CaseDocument, f"d{i}_")).cte(f"attached_{i}")
        for i in range(documents)
    ]
    ctes += [
        pg_insert(OutboxMessage)
        .values(_notice_values(i))
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .cte(f"submitted_notice_{i}")
        for i in range(notices)
    ]
    if audited:
        ctes.append(audit_repo.CHAINED_APPEND_CTE)
    return _OPEN_CASE.add_cte(*ctes) if ctes else _OPEN_CASE


async def open_case(
    session: AsyncSession,
    case: Case,
    app: Application,
    *,
    number_prefix: str,
    year: int,
    application: Mapping[str, Any],
    consent: Mapping[str, Any],
    event: Mapping[str, Any],
    documents: Mapping[str, uuid.UUID] | None = None,
    outbox: Sequence[Mapping[str, object]] = (),
    audit_entry: audit_repo.ChainedEntry | None = None,
) -> None:
    """Numbers and writes a new case (``number_prefix`` and the district's next number for
    ``year``, six digits), marks its application submitted (``application``: the new values),
    records the consent given, the case's first event, its ``documents`` (requirement ->
    wallet document), the applicant's notice (``outbox`` rows from
    ``notifications.outbox_rows``; ``case_number`` in their params is set to the number) and
    ``audit_entry``: one round trip on PostgreSQL, where this runs on every submission. Callers
    make it their last statement before the commit, so the locks it takes (the district's
    counter, the audit chain's tip) are held only until the commit.

    ``case`` is a new object; it joins the session as persistent and already written, with
    every column set, so reading it needs no further query.
    """
    case_row = _full_row(Case, {k: v for k, v in vars(case).items() if k[0] != "_"})
    consent_row = _full_row(Consent, consent)
    event_row = _full_row(CaseEvent, {**event, "case_id": case_row["id"]})
    document_rows = [
        _full_row(
            CaseDocument,
            {"case_id": case_row["id"], "document_id": doc_id, "requirement": requirement},
        )
        for requirement, doc_id in (documents or {}).items()
    ]
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        params = {
            **{f"k_{k}": v for k, v in case_row.items() if k != "number"},
            "q_district": case_row["district"],
            "q_year": year,
            "q_prefix": number_prefix,
            "a_id": app.id,
            **{f"a_{k}": application[k] for k in _APPLICATION_SUBMITTED},
            **{f"c_{k}": v for k, v in consent_row.items()},
            **{f"e_{k}": v for k, v in event_row.items()},
        }
        for i, row in enumerate(document_rows):
            params.update({f"d{i}_{k}": v for k, v in row.items()})
        for i, notice in enumerate(outbox):
            params.update({f"o{i}_{k}": v for k, v in _full_row(OutboxMessage, notice).items()})
        if audit_entry is not None:
            params.update(audit_entry.params())
        statement = _open_case_with(len(document_rows), len(outbox), audit_entry is not None)
        case_row["number"] = (await conn.execute(statement, params)).scalar_one()
    else:
        if audit_entry is not None:
            raise AssertionError("only PostgreSQL appends audit entries in a statement")
        # SQLite serialises writers anyway: the counter is bumped in this transaction.
        counter = {"q_district": case_row["district"], "q_year": year}
        number = (await conn.execute(_NEXT_NUMBER_SQLITE, counter)).scalar_one()
        case_row["number"] = f"{number_prefix}{number:06d}"
        await conn.execute(
            update(Application).where(Application.id == app.id).values(dict(application))
        )
        await conn.execute(insert(Consent), [consent_row])
        await conn.execute(insert(Case), [case_row])
        await conn.execute(insert(CaseEvent), [event_row])
        if document_rows:
            await conn.execute(insert(CaseDocument), document_rows)
        await notifications_repo.add_outbox_rows(
            session, [_with_case_number(row, case_row["number"]) for row in outbox]
        )
    # The objects match the rows as written, without a flush writing them again.
    for key, value in case_row.items():
        set_committed_value(case, key, value)
    make_transient_to_detached(case)
    session.add(case)
    for key, value in application.items():
        set_committed_value(app, key, value)


def _with_case_number(row: Mapping[str, object], number: str) -> dict[str, object]:
    payload = dict(cast(Mapping[str, Any], row["payload"]))
    payload["params"] = {**payload["params"], "case_number": number}
    return {**row, "payload": payload}


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


# Cases --------------------------------------------------------------------------------------


def cases_readable_by(principal: Principal) -> Select[Case]:
    """Applicants: their own; staff: their district; employers: cases naming their employer."""
    stmt = select(Case)
    if principal.applicant_id is not None:
        return stmt.where(Case.applicant_id == principal.applicant_id)
    if principal.staff_id is not None and principal.district:
        # Separation of duties: auditors, finance and system administrators do not read cases.
        if not principal.can(Permission.HANDLE_CASES):
            return stmt.where(Case.id.is_(None))
        return stmt.where(Case.district == principal.district)
    if principal.employer_id is not None:
        return stmt.where(Case.employer_id == principal.employer_id)
    return stmt.where(Case.id.is_(None))


async def get_case(session: AsyncSession, principal: Principal, case_id: uuid.UUID) -> Case | None:
    stmt = cases_readable_by(principal).where(Case.id == case_id)
    return (await session.execute(stmt)).scalar_one_or_none()


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


async def pending_schedules(
    session: AsyncSession, case_id: uuid.UUID, follow_up: str | None
) -> list[CaseSchedule]:
    """Open schedules of one follow-up group; None: every reminder and scheduled action, but
    not verification tasks, which are only ever named by their own group."""
    stmt = select(CaseSchedule).where(
        CaseSchedule.case_id == case_id, CaseSchedule.status == ScheduleStatus.PENDING
    )
    if follow_up is None:
        stmt = stmt.where(CaseSchedule.kind != ScheduleKind.VERIFICATION)
    elif follow_up == FollowUp.COMMITMENT_VERIFICATION:
        stmt = stmt.where(CaseSchedule.kind == ScheduleKind.VERIFICATION)
    else:
        stmt = stmt.where(CaseSchedule.follow_up == follow_up)
    return list((await session.execute(stmt)).scalars())


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


async def queue(
    session: AsyncSession,
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
) -> list[Case]:
    """Keyset page ordered by deadline, then id.

    ``handled_by``: cases this staff member is first responsible for (首问负责) or assigned to;
    ``unpaused``: only cases whose clock is not stopped for a supplement request.
    """
    stmt = cases_readable_by(principal)
    if department:
        stmt = stmt.where(Case.department == department)
    if statuses is not None:
        stmt = stmt.where(Case.status.in_(list(statuses)))
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
        last_deadline, last_id = after
        stmt = stmt.where(
            or_(
                Case.deadline_date > last_deadline,
                and_(Case.deadline_date == last_deadline, Case.id > last_id),
            )
        )
    stmt = stmt.order_by(Case.deadline_date, Case.id).limit(limit)
    return list((await session.execute(stmt)).scalars())


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


async def rating_for(session: AsyncSession, case_id: uuid.UUID) -> Rating | None:
    return (
        await session.execute(select(Rating).where(Rating.case_id == case_id))
    ).scalar_one_or_none()


async def open_follow_ups(
    session: AsyncSession, district: str, department: str | None
) -> list[tuple[FollowUpTask, Rating]]:
    """Open 回访 tasks of the district (and department, if given), earliest due first."""
    stmt = (
        select(FollowUpTask, Rating)
        .join(Rating, Rating.id == FollowUpTask.rating_id)
        .where(FollowUpTask.district == district, FollowUpTask.status == FollowUpStatus.OPEN)
        .order_by(FollowUpTask.due_date, FollowUpTask.id)
    )
    if department is not None:
        stmt = stmt.where(FollowUpTask.department == department)
    return [(task, rating) for task, rating in (await session.execute(stmt)).all()]


async def lock_follow_up(
    session: AsyncSession, district: str, task_id: uuid.UUID
) -> tuple[FollowUpTask, Rating] | None:
    stmt = (
        select(FollowUpTask, Rating)
        .join(Rating, Rating.id == FollowUpTask.rating_id)
        .where(FollowUpTask.id == task_id, FollowUpTask.district == district)
        .with_for_update(of=FollowUpTask)
        .execution_options(populate_existing=True)
    )
    row = (await session.execute(stmt)).one_or_none()
    return (row[0], row[1]) if row else None


async def case_numbers(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Case.id, Case.number).where(Case.id.in_(ids)))
    return dict(rows.all())


async def rating_summary(session: AsyncSession, district: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for name, column in (
        ("service", Rating.service_id),
        ("department", Rating.department),
        ("window", Rating.window_staff_id),
    ):
        stmt = (
            select(column, func.count(), func.avg(Rating.score))
            .where(Rating.district == district)
            .group_by(column)
        )
        out[name] = [
            {
                "key": key,
                "window": key if name == "window" else None,
                "count": count,
                "average": round(float(avg), 2),
            }
            for key, count, avg in (await session.execute(stmt))
        ]
    return out


async def due_schedule_ids(session: AsyncSession, day: date) -> list[uuid.UUID]:
    stmt = (
        select(CaseSchedule.id)
        .where(
            CaseSchedule.status == ScheduleStatus.PENDING,
            CaseSchedule.due_on <= day,
            CaseSchedule.kind.in_(sorted(ScheduleKind.RUN_BY_WORKER)),
        )
        .order_by(CaseSchedule.due_on)
        .limit(500)
    )
    return list((await session.execute(stmt)).scalars())


async def lock_schedule(session: AsyncSession, schedule_id: uuid.UUID) -> CaseSchedule | None:
    stmt = (
        select(CaseSchedule).where(CaseSchedule.id == schedule_id).with_for_update(skip_locked=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def notes(
    session: AsyncSession, case_id: uuid.UUID, *, applicant_only: bool
) -> list[CaseNote]:
    stmt = select(CaseNote).where(CaseNote.case_id == case_id).order_by(CaseNote.created_at)
    if applicant_only:
        stmt = stmt.where(CaseNote.to_applicant.is_(True))
    return list((await session.execute(stmt)).scalars())


# 告知承诺 verification tasks --------------------------------------------------------------------


async def open_verifications(
    session: AsyncSession, principal: Principal, department: str
) -> list[tuple[CaseSchedule, Case]]:
    """Open verification tasks of the caller's district and this department, earliest due first."""
    stmt = (
        cases_readable_by(principal)
        .add_columns(CaseSchedule)
        .join(CaseSchedule, CaseSchedule.case_id == Case.id)
        .where(
            Case.department == department,
            CaseSchedule.kind == ScheduleKind.VERIFICATION,
            CaseSchedule.status == ScheduleStatus.PENDING,
        )
        .order_by(CaseSchedule.due_on, Case.number)
    )
    return [(schedule, case) for case, schedule in (await session.execute(stmt)).all()]


async def lock_verification(
    session: AsyncSession, principal: Principal, task_id: uuid.UUID
) -> tuple[CaseSchedule, Case] | None:
    """A verification task of a case the caller may read, locked against a second verifier."""
    stmt = (
        cases_readable_by(principal)
        .add_columns(CaseSchedule)
        .join(CaseSchedule, CaseSchedule.case_id == Case.id)
        .where(CaseSchedule.id == task_id, CaseSchedule.kind == ScheduleKind.VERIFICATION)
        .with_for_update(of=CaseSchedule)
        .execution_options(populate_existing=True)
    )
    row = (await session.execute(stmt)).one_or_none()
    return (row[1], row[0]) if row else None


async def verifications_of(session: AsyncSession, case_id: uuid.UUID) -> list[CaseSchedule]:
    stmt = (
        select(CaseSchedule)
        .where(CaseSchedule.case_id == case_id, CaseSchedule.kind == ScheduleKind.VERIFICATION)
        .order_by(CaseSchedule.due_on)
    )
    return list((await session.execute(stmt)).scalars())
