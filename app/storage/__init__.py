"""File storage for uploaded documents: local folder by default, written atomically."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CHUNK = 64 * 1024


class TooLarge(Exception):
    """The stream went past the size limit; nothing was kept."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str
    head: bytes  # first bytes, for content sniffing


class DocumentStore(Protocol):
    """What the portal asks of a document store. ``LocalStorage`` is the one shipped; an
    object-storage backend (S3-compatible, e.g. MinIO inside the government cloud) implements
    the same calls with its API: ``save`` as a multipart upload under a generated key,
    ``delete`` as a delete of every version of the key (a versioned bucket keeps old versions,
    which a destruction must not leave behind), ``exists`` as a head request."""

    async def save(self, chunks: AsyncIterator[bytes], max_bytes: int) -> StoredFile: ...

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
