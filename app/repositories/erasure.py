"""Deleting a destroyed case and everything that hangs off it, and erasing a person whose last
case went. Only the records officers' destruction (app.services.retention.destruction) calls
this, for cases its list already scoped to their district.

The rows below a case are found through the schema's foreign keys, not a hand-kept list: a
table added later that references a case (or a row of one) is deleted with it, and a test
searches every table for the person afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.models import (
    Applicant,
    Application,
    AuthSession,
    Case,
    CaseDocument,
    Consent,
    Document,
    EmailConfirmation,
    HouseholdKey,
    InAppMessage,
    IssuedDocument,
    OutboxMessage,
    PasswordResetToken,
    QualifyingCheck,
    QualifyingNotice,
    RetiredRefreshToken,
    User,
)
from app.models.base import Base

# Parents the walk never climbs into: rows that reference a case's row are deleted, but a case
# referencing these (the person, the service, staff) leaves them be. The person is erased on
# its own terms (``erase_person``); documents only when no other case holds them.
_NOT_DESCENDED = frozenset({"document", "outbox_message"})


@dataclass
class Erased:
    """What a destruction removed: rows per table, and the stored files to delete after the
    transaction commits (a rollback must not have lost a file)."""

    rows: dict[str, int] = field(default_factory=dict)
    storage_keys: list[str] = field(default_factory=list)

    def count(self, table: str, n: int) -> None:
        if n:
            self.rows[table] = self.rows.get(table, 0) + n


def _referencing(table: Table) -> list[tuple[Table, str, str]]:
    """(child table, its column, the referenced column) for every foreign key into ``table``."""
    out = []
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is table and child.name not in _NOT_DESCENDED:
                out.append((child, fk.parent.name, fk.column.name))
    return out


async def _delete_tree(
    session: AsyncSession, table: Table, where: ColumnElement[bool], erased: Erased, depth: int = 0
) -> None:
    """Deletes the rows of ``table`` matching ``where`` after every row that references them."""
    if depth > 8:
        raise RuntimeError(f"foreign keys nest too deep below {table.name}")
    if "id" not in table.c:
        # A table keyed otherwise is a leaf (nothing references it by an id).
        leaf = await session.execute(delete(table).where(where))
        erased.count(table.name, leaf.rowcount or 0)  # type: ignore[attr-defined]
        return
    ids = list((await session.execute(select(table.c.id).where(where))).scalars())
    if not ids:
        return
    for child, column, referenced in _referencing(table):
        if child is table:
            # Self references (a carried-forward entitlement): cut them inside the set.
            await session.execute(
                update(child).where(child.c[column].in_(ids)).values({column: None})
            )
            continue
        keys = ids if referenced == "id" else None
        if keys is None:
            continue
        if child.name == "inapp_message":
            # A notice's outbox row goes with it (it holds the same text).
            outbox = list(
                (
                    await session.execute(
                        select(child.c.outbox_id).where(child.c[column].in_(keys))
                    )
                ).scalars()
            )
            await _delete_tree(session, child, child.c[column].in_(keys), erased, depth + 1)
            await _delete_outbox(session, OutboxMessage.id.in_(outbox), erased)
            continue
        await _delete_tree(session, child, child.c[column].in_(keys), erased, depth + 1)
    result = await session.execute(delete(table).where(table.c.id.in_(ids)))
    erased.count(table.name, result.rowcount or 0)  # type: ignore[attr-defined]


async def _delete_outbox(session: AsyncSession, where: ColumnElement[bool], erased: Erased) -> None:
    inapp = InAppMessage.__table__
    ids = list((await session.execute(select(OutboxMessage.id).where(where))).scalars())
    if not ids:
        return
    await _delete_tree(session, inapp, inapp.c.outbox_id.in_(ids), erased)  # type: ignore[arg-type]
    result = await session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    erased.count("outbox_message", result.rowcount or 0)  # type: ignore[attr-defined]


async def case_tree_ids(session: AsyncSession, case_id: uuid.UUID) -> list[uuid.UUID]:
    """The case and its bundle parts."""
    parts = (await session.execute(select(Case.id).where(Case.parent_id == case_id))).scalars()
    return [case_id, *parts]


async def erase_case(session: AsyncSession, case_id: uuid.UUID) -> Erased:
    """Deletes the case, its parts, every row below them, its application (with the rows
    below it) and the documents no other case holds; the files are listed for afterwards."""
    erased = Erased()
    case_ids = await case_tree_ids(session, case_id)
    application_ids = [
        a
        for a in (
            await session.execute(select(Case.application_id).where(Case.id.in_(case_ids)))
        ).scalars()
        if a is not None
    ]
    document_ids = set(
        (
            await session.execute(
                select(CaseDocument.document_id).where(CaseDocument.case_id.in_(case_ids))
            )
        ).scalars()
    )
    # An organisation's written decision keeps its file on its row (no wallet holds it): the
    # row goes with the case below, so its file is listed here.
    erased.storage_keys += [
        key
        for key in (
            await session.execute(
                select(IssuedDocument.storage_key).where(
                    IssuedDocument.case_id.in_(case_ids), IssuedDocument.storage_key.is_not(None)
                )
            )
        ).scalars()
        if key
    ]
    # The notices about the case: by their dedup key, which names it (case:<id>... or hex).
    keys = [f"case:{c}:%" for c in case_ids] + [f"case:{c.hex}:%" for c in case_ids]
    await _delete_outbox(session, or_(*(OutboxMessage.dedup_key.like(k) for k in keys)), erased)
    case_table = Case.__table__
    await _delete_tree(session, case_table, case_table.c.id.in_(case_ids), erased)  # type: ignore[arg-type]
    if application_ids:
        app_table = Application.__table__
        await _delete_tree(session, app_table, app_table.c.id.in_(application_ids), erased)  # type: ignore[arg-type]
    await _delete_documents(session, document_ids, erased)
    return erased


async def _delete_documents(
    session: AsyncSession, document_ids: Collection[uuid.UUID], erased: Erased
) -> None:
    """The documents among ``document_ids`` that no remaining case holds."""
    if not document_ids:
        return
    held = set(
        (
            await session.execute(
                select(CaseDocument.document_id).where(CaseDocument.document_id.in_(document_ids))
            )
        ).scalars()
    )
    gone = [d for d in document_ids if d not in held]
    if not gone:
        return
    rows = (await session.execute(select(Document).where(Document.id.in_(gone)))).scalars()
    erased.storage_keys += [doc.storage_key for doc in rows]
    doc_table = Document.__table__
    await _delete_tree(session, doc_table, doc_table.c.id.in_(gone), erased)  # type: ignore[arg-type]


async def person_may_be_erased(
    session: AsyncSession, applicant_id: uuid.UUID, decided_at: datetime
) -> bool:
    """Nothing of the person's is left that the law keeps (no other case, in any district) and
    the account has not been used since the decision: a dormant account kept only for the
    destroyed case. An account in use stays; its owner may delete it themselves."""
    others = await session.scalar(
        select(func.count()).select_from(Case).where(Case.applicant_id == applicant_id)
    )
    if others:
        return False
    last_login = await session.scalar(
        select(User.last_login_at)
        .join(Applicant, Applicant.user_id == User.id)
        .where(Applicant.id == applicant_id)
    )
    return last_login is None or last_login <= decided_at


async def erase_person(session: AsyncSession, applicant_id: uuid.UUID, erased: Erased) -> None:
    """Erases the person: drafts, wallet documents, notices, logins and consents are deleted;
    the user and applicant rows stay as empty pseudonyms (their ids are what the hash-chained
    audit log names), with no name, number, blind index, email or mobile left."""
    applicant = await session.get(Applicant, applicant_id)
    if applicant is None:
        return
    user_id = applicant.user_id
    app_table = Application.__table__
    await _delete_tree(
        session,
        app_table,  # type: ignore[arg-type]
        app_table.c.applicant_id == applicant_id,
        erased,
    )
    documents = set(
        (
            await session.execute(
                select(Document.id).where(Document.owner_applicant_id == applicant_id)
            )
        ).scalars()
    )
    await _delete_documents(session, documents, erased)
    await _delete_outbox(session, OutboxMessage.recipient_user_id == user_id, erased)
    result = await session.execute(
        delete(HouseholdKey).where(HouseholdKey.person_key == applicant.id_number_index)
    )
    erased.count("household_key", result.rowcount or 0)  # type: ignore[attr-defined]
    # Which policies the person came to qualify for, and when they were last checked.
    for table in (QualifyingNotice, QualifyingCheck):
        result = await session.execute(delete(table).where(table.applicant_id == applicant_id))
        erased.count(table.__tablename__, result.rowcount or 0)  # type: ignore[attr-defined]
    sessions = select(AuthSession.id).where(AuthSession.user_id == user_id)
    await session.execute(
        delete(RetiredRefreshToken).where(RetiredRefreshToken.session_id.in_(sessions))
    )
    for model in (AuthSession, PasswordResetToken, EmailConfirmation, Consent):
        result = await session.execute(delete(model).where(model.user_id == user_id))
        erased.count(model.__tablename__, result.rowcount or 0)  # type: ignore[attr-defined]
    await session.execute(
        update(Applicant)
        .where(Applicant.id == applicant_id)
        .values(
            full_name="",
            id_number_enc=b"",
            id_number_index=f"erased:{applicant_id.hex}",
            id_number_masked="",
            nationality="XX",
            mobile=None,
            profile_facts={},
        )
    )
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(
            email=f"erased-{user_id.hex}@erased.invalid",
            password_hash="!erased",
            is_active=False,
            totp_secret_enc=None,
            email_verified_at=None,
        )
    )
    erased.count("person_erased", 1)
