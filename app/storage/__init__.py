"""File storage for uploaded documents: a local folder by default (written atomically), or an
S3-compatible object store (``app.storage.s3``) chosen by ``TALENT_STORAGE``."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

from app.config import get_settings
from app.storage.base import (
    CHUNK,
    DocumentStore,
    ObjectStream,
    Source,
    StoredFile,
    TooLarge,
)
from app.storage.s3 import S3Storage

__all__ = [
    "CHUNK",
    "DocumentStore",
    "LocalStorage",
    "ObjectStream",
    "Source",
    "StoredFile",
    "TooLarge",
    "make_store",
]


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
    """The store the settings name."""
    settings = get_settings()
    if settings.storage == "s3":
        return S3Storage.from_settings(settings)
    return LocalStorage(settings.upload_dir)
