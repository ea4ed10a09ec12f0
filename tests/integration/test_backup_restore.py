"""The restore drill (issue 22): a populated database (staff, cases with documents, and what
the session's other tests wrote) is
backed up with ``talent-portal backup``'s code, restored into a fresh database and folder, and
proved: row counts per table, the audit chain, and a sample of documents byte for byte. A
backup that does not match its manifest is refused. Runs on SQLite and PostgreSQL; prints the
sizes and times (``pytest -s``) and writes them to var/backup-drill.txt.

Not under ``isolated_db``: pg_dump and the restore read and write through connections and
processes of their own, so the data must be committed.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import backup as backups
from app.config import PROJECT_ROOT, Settings, get_settings
from app.db import make_engine, make_sessionmaker
from app.models import Document
from app.services.audit import verify_chain
from tests import factories as f
from tests.dbutil import fresh_database, requested_url
from tests.integration.test_cases_api import submitted_rent_case


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Settings]:
    """A fresh, empty database (of the kind under test) and an empty upload folder."""
    requested = requested_url()
    if requested.startswith("sqlite"):
        url = f"sqlite+aiosqlite:///{tmp_path / 'restored' / 'talent.db'}"
        yield get_settings().model_copy(
            update={"database_url": url, "upload_dir": tmp_path / "restored-uploads"}
        )
        return
    with fresh_database(requested) as url:
        yield get_settings().model_copy(
            update={"database_url": url, "upload_dir": tmp_path / "restored-uploads"}
        )


async def populated(
    client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # Not the demo data: this database is shared by the session's tests, and the demo's
    # people, evaluations and organisations would collide with theirs.
    for district in ("changning", "yangpu"):
        await f.create_staff(
            sessionmaker, district=district, roles=["reviewer"], department="housing"
        )
    for district in ("changning", "yangpu", "changning"):
        await submitted_rent_case(client, district)


async def chain_of(settings: Settings) -> tuple[bool, int]:
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            report = await verify_chain(session)
    finally:
        await engine.dispose()
    return report.ok, report.entries


async def document_sample(settings: Settings, n: int) -> list[Document]:
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = list((await session.execute(select(Document))).scalars())
    finally:
        await engine.dispose()
    return random.sample(rows, min(n, len(rows)))


class TestRestoreDrill:
    async def test_backup_restores_into_a_fresh_database_with_counts_chain_and_files(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        tmp_path: Path,
        target: Settings,
    ) -> None:
        await populated(client, sessionmaker)
        source = get_settings()
        made = backups.backup(source, tmp_path / "backups")
        directory = Path(made.directory)
        manifest = backups.check(directory)
        assert manifest["tables"]["service_case"] >= 3 and made.documents >= 12
        assert manifest["tables"]["staff_member"] > 0 and manifest["tables"]["audit_entry"] > 0

        restored = await backups.verify_restored(target, backups.restore(target, directory))

        # Counts per table: the manifest's (the source at backup time) are the restored ones.
        assert backups.table_counts(target.database_url) == manifest["tables"]
        ok, entries = await chain_of(target)
        assert ok and entries == manifest["tables"]["audit_entry"] == restored.audit_entries
        for doc in await document_sample(target, 8):
            key = Path(doc.storage_key[:2]) / doc.storage_key
            restored_file, original = target.upload_dir / key, source.upload_dir / key
            assert restored_file.read_bytes() == original.read_bytes()
            assert backups.sha256_of(restored_file) == doc.sha256

        lines = [
            f"restore drill on {made.kind.split('(')[1].rstrip(')')}",
            *made.lines(),
            *restored.lines(),
        ]
        out = PROJECT_ROOT / "var" / "backup-drill.txt"
        out.parent.mkdir(exist_ok=True)
        out.write_text("\n".join(lines) + "\n", "utf-8")
        print("\n" + "\n".join(lines))  # noqa: T201 (the drill prints its figures)

    async def test_a_backup_that_does_not_match_its_manifest_is_refused(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        tmp_path: Path,
        target: Settings,
    ) -> None:
        await submitted_rent_case(client, "changning")
        made = Path(backups.backup(get_settings(), tmp_path / "backups").directory)
        document = next(p for p in (made / backups.DOCUMENTS).rglob("*") if p.is_file())
        tampered = tmp_path / "tampered"
        shutil.copytree(made, tampered)
        victim = tampered / document.relative_to(made)
        victim.write_bytes(victim.read_bytes() + b"x")
        with pytest.raises(backups.BackupError, match="checksum mismatch"):
            backups.restore(target, tampered)
        # Nothing was restored: no database file (SQLite) or no tables (PostgreSQL), no files.
        if target.is_sqlite:
            assert not Path(target.database_url.split("///", 1)[1]).exists()
        else:
            assert backups.table_counts(target.database_url) == {}
        assert not target.upload_dir.exists() or not any(target.upload_dir.iterdir())

        extra = tmp_path / "extra"
        shutil.copytree(made, extra)
        (extra / backups.DOCUMENTS / "zz").mkdir(exist_ok=True)
        (extra / backups.DOCUMENTS / "zz" / "planted").write_bytes(b"not ours")
        with pytest.raises(backups.BackupError, match="not in the manifest"):
            backups.check(extra)
        edited = tmp_path / "edited"
        shutil.copytree(made, edited)
        manifest = edited / backups.MANIFEST
        manifest.write_text(manifest.read_text("utf-8").replace('"format"', '"format" '))
        with pytest.raises(backups.BackupError, match="manifest.json was changed"):
            backups.check(edited)
        (made / "database.sqlite3").unlink(missing_ok=True)
        (made / "database.dump").unlink(missing_ok=True)
        with pytest.raises(backups.BackupError, match="missing"):
            backups.check(made)
