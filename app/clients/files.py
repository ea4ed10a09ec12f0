"""The default channel: one JSON file per message in ``outbox_dir``, named by the outbox id.

Written to a temporary file, flushed to disk, then renamed over the final name, so a reader
never sees half a message and a redelivery after a crash replaces the same file instead of
adding a second one.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import uuid
from collections.abc import Mapping
from pathlib import Path

from app.clients import ChannelError


class FileWriteError(ChannelError):
    pass


class OutboxFileWriter:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_for(self, message_id: uuid.UUID) -> Path:
        return self.directory / f"{message_id}.json"

    async def write(self, message_id: uuid.UUID, document: Mapping[str, object]) -> Path:
        data = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode()
        try:
            return await asyncio.to_thread(self._write_blocking, message_id, data)
        except OSError as exc:
            raise FileWriteError(f"cannot write outbox file: {exc.strerror or exc}") from exc

    def _write_blocking(self, message_id: uuid.UUID, data: bytes) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.path_for(message_id)
        # A random suffix: two workers redelivering the same id never share a temporary file.
        tmp = self.directory / f".{message_id}.{secrets.token_hex(4)}.tmp"
        try:
            with tmp.open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_directory(self.directory)
        return final


def _fsync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk (POSIX; no-op elsewhere).
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
