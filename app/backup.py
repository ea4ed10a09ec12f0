"""Backups that restore (issue 22): the database and the document store, with a manifest of
checksums, and a restore that refuses a backup that does not match its manifest.

PostgreSQL is dumped with ``pg_dump`` in custom format and restored with ``pg_restore``;
SQLite is copied with its online backup API (a consistent copy while the portal runs). The
document store (``TALENT_UPLOAD_DIR``) is copied file by file beside the dump. The manifest
names every file with its size and SHA-256 and the row count of every table; a restore checks
the files before it touches anything and the counts and the audit chain after.

A backup is a directory::

    talent-backup-20261207T020000Z/
      manifest.json, manifest.json.sha256
      database.dump | database.sqlite3
      documents/<key[:2]>/<key>
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, inspect, select, table
from sqlalchemy.engine import URL, make_url

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.services.audit import ChainReport, verify_chain

FORMAT = 1
MANIFEST = "manifest.json"
DIGEST = "manifest.json.sha256"
DOCUMENTS = "documents"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore could not be done; nothing was restored."""


@dataclass
class Report:
    """What a backup or restore did, with its sizes and times (the README's figures)."""

    directory: str
    kind: str
    database_bytes: int = 0
    documents: int = 0
    document_bytes: int = 0
    tables: int = 0
    rows: int = 0
    seconds_database: float = 0.0
    seconds_documents: float = 0.0
    seconds_total: float = 0.0
    audit_entries: int | None = None
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        mib = 1024 * 1024
        return [
            f"{self.kind} {self.directory}",
            f"database {self.database_bytes / mib:.2f} MiB in {self.seconds_database:.2f} s, "
            f"{self.tables} tables, {self.rows} rows",
            f"documents {self.documents} files, {self.document_bytes / mib:.2f} MiB "
            f"in {self.seconds_documents:.2f} s",
            f"total {self.seconds_total:.2f} s"
            + (
                f", audit chain verified: {self.audit_entries} entries"
                if self.audit_entries
                else ""
            ),
            *self.notes,
        ]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sync_url(database_url: str) -> URL:
    return make_url(database_url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg"))


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and the environment that carries it (so it never
    shows in the process list)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str]) -> None:
    tool = shutil.which(args[0])
    if tool is None:
        raise BackupError(f"{args[0]} is not installed (install postgresql-client)")
    done = subprocess.run([tool, *args[1:]], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{args[0]} failed: {done.stderr.strip()[:2000]}")


def table_counts(database_url: str) -> dict[str, int]:
    """Rows per table of the database (every table, Alembic's version table included)."""
    engine = create_engine(_sync_url(database_url))
    try:
        with engine.connect() as conn:
            names = sorted(inspect(conn).get_table_names())
            return {
                name: int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())
                for name in names
            }
    finally:
        engine.dispose()


def _copy_documents(source: Path, target: Path) -> list[dict[str, Any]]:
    """Copies every stored document (not half-written ``.part`` files) and lists it."""
    listed: list[dict[str, Any]] = []
    if not source.exists():
        return listed
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.endswith(".part"):
            continue
        relative = path.relative_to(source)
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
        listed.append(
            {
                "path": relative.as_posix(),
                "size": destination.stat().st_size,
                "sha256": sha256_of(destination),
            }
        )
    return listed


def backup(settings: Settings, destination: Path) -> Report:
    """Writes a backup of the database and the document store under ``destination``."""
    started = time.monotonic()
    url = _sync_url(settings.database_url)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    directory = destination / f"talent-backup-{stamp}"
    directory.mkdir(parents=True)
    kind = "sqlite" if _is_sqlite(url) else "postgresql"
    report = Report(directory=str(directory), kind=f"backup ({kind})")
    counts = table_counts(settings.database_url)
    t0 = time.monotonic()
    if kind == "sqlite":
        dump = directory / "database.sqlite3"
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(dump)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        dump = directory / "database.dump"
        conninfo, env = _libpq(url)
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", conninfo], env)
    report.seconds_database = time.monotonic() - t0
    t0 = time.monotonic()
    documents = _copy_documents(settings.upload_dir, directory / DOCUMENTS)
    report.seconds_documents = time.monotonic() - t0
    manifest = {
        "format": FORMAT,
        "kind": kind,
        "created_at": datetime.now(UTC).isoformat(),
        "database": {"file": dump.name, "size": dump.stat().st_size, "sha256": sha256_of(dump)},
        "tables": counts,
        "documents": documents,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), "utf-8")
    # The manifest's own digest: a manifest edited by hand (or cut short) is refused too.
    (directory / DIGEST).write_text(sha256_of(directory / MANIFEST) + "\n", "utf-8")
    report.database_bytes = dump.stat().st_size
    report.documents = len(documents)
    report.document_bytes = sum(d["size"] for d in documents)
    report.tables, report.rows = len(counts), sum(counts.values())
    report.seconds_total = time.monotonic() - started
    return report


def read_manifest(directory: Path) -> dict[str, Any]:
    path, digest = directory / MANIFEST, directory / DIGEST
    if not path.is_file() or not digest.is_file():
        raise BackupError(f"no {MANIFEST} with its {DIGEST} in {directory}")
    if digest.read_text("utf-8").strip() != sha256_of(path):
        raise BackupError(f"checksum mismatch: {MANIFEST} was changed after the backup")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except ValueError as exc:
        raise BackupError(f"{MANIFEST} is not valid JSON") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def check(directory: Path) -> dict[str, Any]:
    """The manifest, once every file it names is present with its size and checksum and no
    document is there that it does not name; BackupError otherwise (nothing is restored)."""
    manifest = read_manifest(directory)
    problems: list[str] = []
    expected = [(manifest["database"]["file"], manifest["database"])] + [
        (f"{DOCUMENTS}/{d['path']}", d) for d in manifest["documents"]
    ]
    for name, entry in expected:
        path = directory / name
        if ".." in Path(name).parts or not path.is_file():
            problems.append(f"missing: {name}")
        elif path.stat().st_size != entry["size"] or sha256_of(path) != entry["sha256"]:
            problems.append(f"checksum mismatch: {name}")
    listed = {f"{DOCUMENTS}/{d['path']}" for d in manifest["documents"]}
    stored = directory / DOCUMENTS
    if stored.exists():
        for path in stored.rglob("*"):
            name = path.relative_to(directory).as_posix()
            if path.is_file() and name not in listed:
                problems.append(f"not in the manifest: {name}")
    if problems:
        raise BackupError("the backup does not match its manifest: " + "; ".join(problems[:20]))
    return manifest


def restore(settings: Settings, directory: Path, *, force: bool = False) -> Report:
    """Restores a checked backup into the settings' database and upload folder, which must be
    empty (a fresh database, an empty folder) unless ``force``; then proves the row counts and
    the audit chain against the manifest (``verify_restored``, which the command runs next)."""
    started = time.monotonic()
    manifest = check(directory)
    url = _sync_url(settings.database_url)
    kind = "sqlite" if _is_sqlite(url) else "postgresql"
    if kind != manifest["kind"]:
        raise BackupError(f"a {manifest['kind']} backup cannot be restored into {kind}")
    report = Report(directory=str(directory), kind=f"restore ({kind})")
    uploads = settings.upload_dir
    if not force:
        if uploads.exists() and any(uploads.iterdir()):
            raise BackupError(f"{uploads} is not empty (use --force to restore over it)")
        if kind == "sqlite" and _sqlite_path(url).exists():
            raise BackupError(f"{_sqlite_path(url)} exists (use --force to replace it)")
        if kind == "postgresql" and table_counts(settings.database_url):
            raise BackupError("the target database is not empty (use --force)")
    dump = directory / manifest["database"]["file"]
    t0 = time.monotonic()
    if kind == "sqlite":
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".restoring")
        shutil.copyfile(dump, partial)
        for suffix in ("-wal", "-shm"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        partial.replace(target)
    else:
        conninfo, env = _libpq(url)
        args = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
        if force:
            args += ["--clean", "--if-exists"]
        _run([*args, f"--dbname={conninfo}", str(dump)], env)
    report.seconds_database = time.monotonic() - t0
    t0 = time.monotonic()
    for entry in manifest["documents"]:
        source = directory / DOCUMENTS / entry["path"]
        destination = uploads / entry["path"]
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
        if sha256_of(destination) != entry["sha256"]:
            raise BackupError(f"restored document differs: {entry['path']}")
    report.seconds_documents = time.monotonic() - t0
    counts = table_counts(settings.database_url)
    if counts != manifest["tables"]:
        differ = sorted(
            name
            for name in set(counts) | set(manifest["tables"])
            if counts.get(name) != manifest["tables"].get(name)
        )
        raise BackupError(f"row counts differ after the restore: {differ}")
    report.database_bytes = dump.stat().st_size
    report.documents = len(manifest["documents"])
    report.document_bytes = sum(d["size"] for d in manifest["documents"])
    report.tables, report.rows = len(counts), sum(counts.values())
    report.seconds_total = time.monotonic() - started
    return report


async def verify_restored(settings: Settings, report: Report) -> Report:
    """The restored audit chain, walked end to end; BackupError if it does not verify."""
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            chain: ChainReport = await verify_chain(session)
    finally:
        await engine.dispose()
    if not chain.ok:
        raise BackupError(f"the restored audit chain does not verify (entry {chain.first_bad_seq})")
    report.audit_entries = chain.entries
    return report
