"""What every document store shares: the stored file's facts, the stream a download sends, and
the calls the portal makes (``DocumentStore``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
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
