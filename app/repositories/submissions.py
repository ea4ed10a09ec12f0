"""The submission's writes: on PostgreSQL one statement numbers the case (the district's counter,
no gaps), writes the case, the application's new state, the consent, the first event, the
documents, the notice and the audit entry; on SQLite the same writes as separate statements."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    JSON,
    String,
    Table,
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

from app.domain.principal import Principal
from app.models import (
    Application,
    Case,
    CaseCounter,
    CaseDocument,
    CaseEvent,
    Consent,
    Enrolment,
    OutboxMessage,
    Service,
)
from app.repositories import audit as audit_repo
from app.repositories import notifications as notifications_repo
from app.repositories.calendar import CURRENT_REVISION
from app.workflow.payments import EnrolmentStatus
from app.workflow.states import CaseStatus

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

#: The unique index a second open case of the same person for the same benefit fails on.
OPEN_BENEFIT_INDEX = "uq_service_case_open_benefit"


async def benefit_held(session: AsyncSession, applicant_id: uuid.UUID, benefit: str) -> str | None:
    """The number of a case by which the applicant holds ``benefit`` now: an open top-level
    case for it, or one whose enrolment has not ended; None if there is none."""
    open_case = select(Case.number).where(
        Case.applicant_id == applicant_id,
        Case.benefit == benefit,
        Case.parent_id.is_(None),
        Case.status.not_in(sorted(CaseStatus.FINAL)),
    )
    enrolled = (
        select(Case.number)
        .join(Enrolment, Enrolment.case_id == Case.id)
        .where(
            Enrolment.applicant_id == applicant_id,
            Enrolment.benefit == benefit,
            Enrolment.status != EnrolmentStatus.ENDED,
        )
    )
    return (await session.execute(open_case.union(enrolled).limit(1))).scalar_one_or_none()


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


async def next_case_number(session: AsyncSession, district: str, year: int) -> int:
    """The district's next case number for ``year``, for a case opened outside the applicant's
    submission statement (an organisation's claim). The counter row stays locked to the commit,
    as in ``open_case``, so numbers have no gaps."""
    conn = await session.connection()
    statement = (
        _next_number(pg_insert) if conn.dialect.name == "postgresql" else _NEXT_NUMBER_SQLITE
    )
    result = await conn.execute(statement, {"q_district": district, "q_year": year})
    return int(result.scalar_one())
