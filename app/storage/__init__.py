"""File storage for uploaded documents: a local folder by default (written atomically), or an
S3-compatible object store (``app.storage.s3``) chosen by ``TALENT_STORAGE``."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from app.config import get_settings

CHUNK = 64 * 1024


class TooLarge(Exception):
    """The stream went past the size limit; nothing was kept."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str
    head: bytes  # first bytes, for content sniffing


@dataclass(frozen=True)
class ObjectStream:
    """A stored document read as a stream of chunks, opened only when iterated, so a download
    holds one chunk at a time however large the document."""

    key: str
    open: Callable[[], AsyncIterator[bytes]]


# What a download sends: a local file (served with its size and ranges) or an object's stream.
Source = Path | ObjectStream


class DocumentStore(Protocol):
    """What the portal asks of a document store: ``LocalStorage`` (the default) and
    ``app.storage.s3.S3Storage`` implement it.

    ``delete`` and ``exists`` are plain calls because they run in the session's after-commit
    and after-rollback hooks, which SQLAlchemy calls synchronously."""

    async def save(self, chunks: AsyncIterator[bytes], max_bytes: int) -> StoredFile: ...

    def source(self, key: str) -> Source: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


class LocalStorage:
    """Writes to a temporary file and renames it only when complete, so a crash or an aborted
    upload never leaves a half-written document under a real name."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, key: str) -> Path:
        # Keys are generated here (hex), so they cannot climb out of the root.
        return self.root / key[:2] / key

    def source(self, key: str) -> Source:
        return self.path_for(key)

    async def save(self, chunks: AsyncIterator[bytes], max_bytes: int) -> StoredFile:
        key = secrets.token_hex(24)
        final = self.path_for(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(final.name + ".part")
        digest = hashlib.sha256()
        size = 0
        head = b""
        try:
            with tmp.open("wb") as fh:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge()
                    if len(head) < 16:
                        head = (head + chunk)[:16]
                    digest.update(chunk)
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.rename(final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return StoredFile(key=key, size=size, sha256=digest.hexdigest(), head=head)

    def delete(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path_for(key).exists()


def make_store() -> DocumentStore:
    """The store the settings name; the S3 client is imported only when it is used."""
    settings = get_settings()
    if settings.storage == "s3":
        from app.storage.s3 import S3Storage

        return S3Storage.from_settings(settings)
    return LocalStorage(settings.upload_dir)
