"""See and download my data: a ZIP with one JSON file per table that holds rows about the
person (found by the schema's foreign keys, ``repositories.personal_data``), the original files
of their documents, and the staff reads of their records. It is prepared by the worker's round
(``periodic``: procrastinate on PostgreSQL, the in-process runner on SQLite), which records its
progress on the row, and fetched through a signed link that only its owner can use, until it
expires (``export_link_hours``); then the file is deleted."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
import shutil
import uuid
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.config import get_settings
from app.domain.documents import clean_filename
from app.domain.principal import Principal
from app.errors import NotFound
from app.i18n import N_
from app.models import DataExport
from app.models.base import utcnow
from app.repositories import personal_data
from app.repositories import rights as rights_repo
from app.repositories.unit_of_work import AsyncSession, async_sessionmaker
from app.schemas.rights import ExportRead, StaffReadEntry
from app.services import audit
from app.services.documents import Download, storage
from app.services.rights import access_log
from app.services.rights.access_log import shanghai_time
from app.storage import Source
from app.workflow.rights import EXPORT, ExportEvent, ExportStatus

log = logging.getLogger(__name__)

_SALT = "data-export"
# A copy left preparing this long was abandoned by a worker that died; the next round retakes it.
_STALE = timedelta(minutes=10)
_ROUND_LIMIT = 5


_STATUS_TEXT = {
    ExportStatus.QUEUED: N_("Waiting to be prepared"),
    ExportStatus.PREPARING: N_("Being prepared: {percent}%"),
    ExportStatus.READY: N_("Ready to download"),
    ExportStatus.FAILED: N_("Could not be prepared. Ask for a new copy."),
    ExportStatus.EXPIRED: N_("Expired: the file has been deleted"),
}


def export_dir() -> Path:
    return get_settings().export_dir


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key.get_secret_value(), salt=_SALT)


def link_token(export: DataExport) -> str:
    return str(_signer().dumps({"e": str(export.id), "u": str(export.user_id)}))


def export_view(export: DataExport, now: datetime | None = None) -> ExportRead:
    now = now or utcnow()
    status = EXPORT.status(export.status)
    usable = (
        status is ExportStatus.READY and export.expires_at is not None and export.expires_at > now
    )
    return ExportRead(
        id=export.id,
        status=status.value,
        status_text=_STATUS_TEXT[status]
        if status is not ExportStatus.READY or usable
        else _STATUS_TEXT[ExportStatus.EXPIRED],
        in_progress=status in ExportStatus.OPEN,
        progress=export.progress,
        requested_at=export.requested_at,
        requested_local=shanghai_time(export.requested_at),
        finished_at=export.finished_at,
        expires_at=export.expires_at,
        expires_local=shanghai_time(export.expires_at) if export.expires_at else None,
        size_bytes=export.size_bytes,
        download_url=(
            f"/account/my-data/exports/{export.id}/download?token={link_token(export)}"
            if usable
            else None
        ),
        api_download_url=(
            f"/api/v1/account/exports/{export.id}/download?token={link_token(export)}"
            if usable
            else None
        ),
    )


async def request_export(session: AsyncSession, principal: Principal) -> ExportRead:
    """Queues a copy, or answers with the one already being prepared (a double click, or a
    second device, does not prepare two)."""
    for existing in await rights_repo.exports_of(session, principal.user_id, limit=3):
        if EXPORT.status(existing.status) in ExportStatus.OPEN:
            return export_view(existing)
    export = DataExport(user_id=principal.user_id, status=ExportStatus.QUEUED.value, progress=0)
    session.add(export)
    await session.flush()
    await audit.record(
        session,
        "rights.export_requested",
        actor=principal,
        object_type="data_export",
        object_id=export.id,
    )
    return export_view(export)


async def list_exports(session: AsyncSession, principal: Principal) -> list[ExportRead]:
    return [export_view(e) for e in await rights_repo.exports_of(session, principal.user_id)]


async def get_export(
    session: AsyncSession, principal: Principal, export_id: uuid.UUID
) -> ExportRead:
    export = await rights_repo.export_of(session, principal.user_id, export_id)
    if export is None:
        raise NotFound()
    return export_view(export)


async def download(
    session: AsyncSession, principal: Principal, export_id: uuid.UUID, token: str
) -> Download:
    """The ZIP for its owner holding a valid link; anyone else, or a stale link: 404."""
    hours = get_settings().export_link_hours
    try:
        claims = _signer().loads(token, max_age=hours * 3600)
    except BadSignature:
        raise NotFound() from None
    if claims != {"e": str(export_id), "u": str(principal.user_id)}:
        raise NotFound()
    export = await rights_repo.export_of(session, principal.user_id, export_id)
    if export is None or export_view(export).download_url is None or not export.storage_key:
        raise NotFound()
    path = export_dir() / export.storage_key
    if not path.exists():
        raise NotFound()
    await audit.record(
        session,
        "rights.export_downloaded",
        actor=principal,
        object_type="data_export",
        object_id=export.id,
    )
    stamp = (export.finished_at or utcnow()).strftime("%Y%m%d")
    return Download(path, f"my-data-{stamp}.zip", "application/zip")


# --- Background ----------------------------------------------------------------------------


async def run_pending(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """The worker's round: prepares the copies waiting, then deletes expired ones' files."""
    now = utcnow()
    async with sessionmaker() as session:
        due = await rights_repo.exports_due(
            session,
            ExportStatus.QUEUED.value,
            ExportStatus.PREPARING.value,
            now - _STALE,
            _ROUND_LIMIT,
        )
    done = 0
    for export_id in due:
        try:
            done += await prepare(sessionmaker, export_id)
        except Exception:
            log.exception("data export failed", extra={"export_id": str(export_id)})
            await _fail(sessionmaker, export_id)
    await expire(sessionmaker, now)
    return done


async def prepare(sessionmaker: async_sessionmaker[AsyncSession], export_id: uuid.UUID) -> int:
    """Prepares one copy; 0 when another worker has it."""
    now = utcnow()
    target = EXPORT.advance(ExportStatus.QUEUED, ExportEvent.START)
    async with sessionmaker() as session, session.begin():
        export = await rights_repo.claim_export(
            session,
            export_id,
            queued=ExportStatus.QUEUED.value,
            preparing=ExportStatus.PREPARING.value,
            stale_before=now - _STALE,
            values={"status": target.value, "started_at": now, "progress": 5},
        )
        if export is None:
            return 0
        user_id = export.user_id
    async with sessionmaker() as session:
        tables = await personal_data.rows_about(session, user_id)
        applicant_ids = [row["id"] for row in tables.get("applicant", [])]
        viewed = (
            await access_log.entries(session, applicant_ids[0], "en", limit=10_000)
            if applicant_ids
            else []
        )
        documents = (
            await rights_repo.documents_of(session, applicant_ids[0]) if applicant_ids else []
        )
    await _progress(sessionmaker, export_id, 30)
    key = f"{secrets.token_hex(24)}.zip"
    path = export_dir() / key
    staging = export_dir() / f"{key}.files"
    sources = [
        (f"files/{doc.id}-{clean_filename(doc.original_name)}", storage().source(doc.storage_key))
        for doc in documents
    ]
    try:
        files = await _local_files(sources, staging)
        await _zip(path, files, tables, viewed)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    await _progress(sessionmaker, export_id, 90)
    digest, size = await asyncio.to_thread(_digest, path)
    finished = utcnow()
    async with sessionmaker() as session, session.begin():
        await rights_repo.set_export(
            session,
            export_id,
            status=EXPORT.advance(ExportStatus.PREPARING, ExportEvent.FINISH).value,
            progress=100,
            finished_at=finished,
            expires_at=finished + timedelta(hours=get_settings().export_link_hours),
            storage_key=key,
            size_bytes=size,
            sha256=digest,
        )
        await audit.record(
            session,
            "rights.export_prepared",
            actor_user_id=user_id,
            object_type="data_export",
            object_id=export_id,
            detail={"tables": len(tables)},
        )
    return 1


async def _local_files(sources: list[tuple[str, Source]], staging: Path) -> list[tuple[str, Path]]:
    """The documents as local files for the ZIP (written in a thread): one in the object store
    is first streamed into a copy beside it, removed once the ZIP is done."""
    files: list[tuple[str, Path]] = []
    for name, source in sources:
        if isinstance(source, Path):
            files.append((name, source))
            continue
        staging.mkdir(parents=True, exist_ok=True)
        copy = staging / source.key
        with copy.open("wb") as fh:
            async for chunk in source.open():
                fh.write(chunk)
        files.append((name, copy))
    return files


async def _zip(
    path: Path,
    files: list[tuple[str, Path]],
    tables: dict[str, list[dict[str, Any]]],
    viewed: list[StaffReadEntry],
) -> None:
    contents = {f"tables/{name}.json": _json(rows) for name, rows in tables.items()}
    contents["who_viewed_my_data.json"] = _json([v.model_dump() for v in viewed])
    contents["manifest.json"] = _json(
        {
            "prepared_at": utcnow(),
            "tables": {name: len(rows) for name, rows in tables.items()},
            "files": [name for name, _ in files],
        }
    )
    await asyncio.to_thread(_write_zip, path, contents, files)


async def expire(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> None:
    async with sessionmaker() as session, session.begin():
        for export in await rights_repo.exports_expired(session, ExportStatus.READY.value, now):
            if export.storage_key:
                (export_dir() / export.storage_key).unlink(missing_ok=True)
            export.status = EXPORT.advance(export.status, ExportEvent.EXPIRE).value
            export.storage_key = None


async def _progress(
    sessionmaker: async_sessionmaker[AsyncSession], export_id: uuid.UUID, percent: int
) -> None:
    async with sessionmaker() as session, session.begin():
        await rights_repo.set_export(session, export_id, progress=percent)


async def _fail(sessionmaker: async_sessionmaker[AsyncSession], export_id: uuid.UUID) -> None:
    async with sessionmaker() as session, session.begin():
        await rights_repo.set_export(
            session, export_id, status=ExportStatus.FAILED.value, error="preparing failed"
        )


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None
    raise TypeError(f"not serialisable: {type(value).__name__}")


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, default=_default).encode()


def _write_zip(path: Path, contents: dict[str, bytes], files: list[tuple[str, Path]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in contents.items():
                archive.writestr(name, data)
            for name, source in files:
                if source.exists():
                    archive.write(source, name)
        tmp.rename(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _digest(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest(), path.stat().st_size
