"""Document wallet: upload with size and content checks, listing, download."""

from __future__ import annotations

import errno
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from app.config import get_settings
from app.domain.documents import DocumentKind, clean_filename, name_matches_type, sniff_type
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import (
    AppError,
    Conflict,
    FieldError,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    StorageFull,
    UnsupportedMediaType,
    UploadQuotaReached,
    ValidationFailed,
)
from app.i18n import N_
from app.models import Document
from app.models.base import utcnow
from app.repositories import cases as cases_repo
from app.repositories import documents as documents_repo
from app.repositories.unit_of_work import AsyncSession, SyncSession, after_commit, after_rollback
from app.schemas.documents import DocumentMark, DocumentRead, DocumentVerify
from app.services import audit
from app.storage import DocumentStore, Source, TooLarge, make_store
from app.workflow.states import CaseStatus
from app.workflow.values import local_date

_STORED = "stored_files"


@after_rollback
def _delete_rolled_back_files(session: SyncSession) -> None:
    # A file whose row never committed is an orphan nobody can reach; remove it.
    for key in session.info.pop(_STORED, []):
        storage().delete(key)


@after_commit
def _keep_committed_files(session: SyncSession) -> None:
    session.info.pop(_STORED, None)


@lru_cache(maxsize=1)
def storage() -> DocumentStore:
    return make_store()


def max_bytes() -> int:
    return get_settings().upload_max_bytes


def document_view(doc: Document) -> DocumentRead:
    return DocumentRead(
        id=doc.id,
        kind=doc.kind,
        original_name=doc.original_name,
        content_type=doc.content_type,
        size_bytes=doc.size_bytes,
        sha256=doc.sha256,
        valid_from=doc.valid_from,
        valid_to=doc.valid_to,
        verified=doc.verified_at is not None,
        verified_at=doc.verified_at,
        verified_on=local_date(doc.verified_at) if doc.verified_at else None,
        created_at=doc.created_at,
    )


def _quota_reached() -> UploadQuotaReached:
    settings = get_settings()
    return UploadQuotaReached(
        params={
            "max_files": settings.upload_quota_files,
            "max_mb": settings.upload_quota_bytes // (1024 * 1024),
        }
    )


async def _quota_room(session: AsyncSession, applicant_id: uuid.UUID) -> int:
    """Bytes the applicant may still upload; refuses when the count or the bytes are used up."""
    settings = get_settings()
    count, size = await documents_repo.usage_of(session, applicant_id)
    if count >= settings.upload_quota_files or size >= settings.upload_quota_bytes:
        raise _quota_reached()
    return settings.upload_quota_bytes - size


@dataclass(frozen=True)
class SavedFile:
    key: str
    name: str
    content_type: str
    size: int
    sha256: str


async def save_file(
    session: AsyncSession,
    filename: str,
    chunks: AsyncIterator[bytes],
    limit: int | None = None,
    *,
    too_large: AppError | None = None,
) -> SavedFile:
    """Stores an uploaded file after the wallet's checks (size, content sniffed against the
    name); a refused file is removed at once, and a stored one with the request's transaction
    if that rolls back. ``too_large`` replaces the plain size refusal (a quota reached)."""
    try:
        stored = await storage().save(chunks, limit or max_bytes())
    except TooLarge as exc:
        raise too_large or PayloadTooLarge(params={"max_mb": max_bytes() // (1024 * 1024)}) from exc
    except OSError as exc:
        # The storage removed its partial file; no row was written yet.
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull() from exc
        raise
    content_type = sniff_type(stored.head)
    name = clean_filename(filename)
    if content_type is None or not name_matches_type(name, content_type):
        storage().delete(stored.key)
        # Named on the file field, so a page's error summary links to the file input.
        message = UnsupportedMediaType.default_detail or ""
        raise UnsupportedMediaType(
            field_errors=[FieldError("file", UnsupportedMediaType.code, message)]
        )
    # If the request's transaction later rolls back, the file goes with it (see above).
    session.sync_session.info.setdefault(_STORED, []).append(stored.key)
    return SavedFile(stored.key, name, content_type, stored.size, stored.sha256)


async def upload(
    session: AsyncSession,
    principal: Principal,
    *,
    owner_applicant_id: uuid.UUID | None,
    kind: str,
    filename: str,
    chunks: AsyncIterator[bytes],
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> DocumentRead:
    """Stores the file and its row together; a refused file leaves neither behind."""
    owner = owner_applicant_id or principal.applicant_id
    if owner is None:
        raise PermissionDenied()
    problems: list[FieldError] = []
    if kind not in {k.value for k in DocumentKind}:
        problems.append(
            FieldError("kind", "invalid_kind", N_("Choose what kind of document this is."))
        )
    if valid_from and valid_to and valid_to < valid_from:
        problems.append(
            FieldError(
                "valid_to", "invalid_range", N_("The end date must be after the start date.")
            )
        )
    if problems:
        raise ValidationFailed(field_errors=problems)
    # The applicant's own uploads count against a quota; a clerk scanning papers at the window
    # for them does not.
    quota_room = await _quota_room(session, owner) if principal.applicant_id == owner else None
    limit = max_bytes() if quota_room is None else min(max_bytes(), quota_room)
    over_quota = _quota_reached() if quota_room is not None and limit < max_bytes() else None
    stored = await save_file(session, filename, chunks, limit, too_large=over_quota)
    doc = Document(
        owner_applicant_id=owner,
        kind=kind,
        original_name=stored.name,
        content_type=stored.content_type,
        size_bytes=stored.size,
        sha256=stored.sha256,
        storage_key=stored.key,
        valid_from=valid_from,
        valid_to=valid_to,
        uploaded_by_user_id=principal.user_id,
    )
    session.add(doc)
    try:
        await session.flush()
    except BaseException:
        storage().delete(stored.key)
        raise
    await audit.record(
        session,
        "document.uploaded",
        actor=principal,
        object_type="document",
        object_id=doc.id,
        detail={"kind": kind, "size": stored.size},
    )
    return document_view(doc)


async def list_documents(session: AsyncSession, principal: Principal) -> list[DocumentRead]:
    return [document_view(d) for d in await documents_repo.list_for(session, principal)]


@dataclass(frozen=True)
class Download:
    source: Source
    filename: str
    content_type: str


async def download(session: AsyncSession, principal: Principal, document_id: uuid.UUID) -> Download:
    doc = await documents_repo.get_readable(session, principal, document_id)
    if doc is None:
        raise NotFound()
    await audit.record(
        session, "document.viewed", actor=principal, object_type="document", object_id=doc.id
    )
    return Download(storage().source(doc.storage_key), doc.original_name, doc.content_type)


async def stored_document(session: AsyncSession, document_id: uuid.UUID) -> Download:
    """A document's file for a caller that has already checked access another way (an issued
    document reached through a case the caller may read)."""
    doc = await documents_repo.get(session, document_id)
    if doc is None or doc.deleted_at is not None:
        raise NotFound()
    return Download(storage().source(doc.storage_key), doc.original_name, doc.content_type)


def stored_file(key: str, filename: str, content_type: str) -> Download:
    """A file kept outside the wallet (an organisation's issued document), for a caller that
    has already checked access."""
    return Download(storage().source(key), filename, content_type)


def _check_dates(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    "valid_to", "invalid_range", N_("The end date must be after the start date.")
                )
            ]
        )


def can_verify(principal: Principal, case_status: str) -> bool:
    """Reviewers and window clerks check documents of cases still being handled."""
    allowed = principal.can(Permission.REVIEW_CASES) or principal.can(Permission.HANDLE_WINDOW)
    return allowed and CaseStatus(case_status) not in CaseStatus.FINAL


async def marks_for_case(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID
) -> dict[str, DocumentMark]:
    """The staff check and validity of each document of a case in the caller's district."""
    if not principal.can(Permission.HANDLE_CASES):
        raise PermissionDenied()
    case = await cases_repo.get_case(session, principal, case_id)
    if case is None:
        raise NotFound()
    ids = {cd.document_id for cd in await cases_repo.case_documents(session, case.id)}
    docs = await documents_repo.get_many(session, ids)
    names = await documents_repo.staff_names_by_user(
        session, {d.verified_by_user_id for d in docs if d.verified_by_user_id}
    )
    return {str(d.id): _mark(d, names) for d in docs}


def _mark(doc: Document, names: dict[uuid.UUID, str]) -> DocumentMark:
    return DocumentMark(
        id=doc.id,
        kind=doc.kind,
        valid_from=doc.valid_from,
        valid_to=doc.valid_to,
        verified_at=doc.verified_at,
        verified_by=names.get(doc.verified_by_user_id) if doc.verified_by_user_id else None,
    )


async def verify_for_case(
    session: AsyncSession,
    principal: Principal,
    case_id: uuid.UUID,
    document_id: uuid.UUID,
    data: DocumentVerify,
) -> DocumentMark:
    """A reviewer or window clerk handling the case marks one of its documents as checked
    against the original. The mark stays with the wallet document, so it is reused by later
    applications; marking an already verified document again changes nothing."""
    if not (principal.can(Permission.REVIEW_CASES) or principal.can(Permission.HANDLE_WINDOW)):
        raise PermissionDenied()
    case = await cases_repo.get_case(session, principal, case_id)
    if case is None:
        raise NotFound()
    linked = {cd.document_id for cd in await cases_repo.case_documents(session, case.id)}
    if document_id not in linked:
        raise NotFound()
    if not can_verify(principal, case.status):
        raise Conflict(N_("This case is finished; its documents can no longer be marked."))
    _check_dates(data.valid_from, data.valid_to)
    doc = await documents_repo.get_for_update(session, document_id)
    if doc is None or doc.deleted_at is not None:
        raise NotFound()
    if doc.verified_at is None:
        if data.valid_from is not None:
            doc.valid_from = data.valid_from
        if data.valid_to is not None:
            doc.valid_to = data.valid_to
        _check_dates(doc.valid_from, doc.valid_to)
        doc.verified_at, doc.verified_by_user_id = utcnow(), principal.user_id
        await session.flush()
        await audit.record(
            session,
            "document.verified",
            actor=principal,
            object_type="document",
            object_id=doc.id,
            district=case.district,
            detail={
                "case": str(case.id),
                "valid_from": doc.valid_from.isoformat() if doc.valid_from else None,
                "valid_to": doc.valid_to.isoformat() if doc.valid_to else None,
            },
        )
    names = await documents_repo.staff_names_by_user(
        session, {doc.verified_by_user_id} if doc.verified_by_user_id else set()
    )
    return _mark(doc, names)
