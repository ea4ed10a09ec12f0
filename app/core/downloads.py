"""Sending a stored document: always an attachment (or an explicit inline preview), no sniffing."""

from __future__ import annotations

from pathlib import Path

from fastapi.responses import FileResponse


def file_response(
    path: Path, filename: str, content_type: str, *, inline: bool = False
) -> FileResponse:
    return FileResponse(
        path,
        media_type=content_type,
        filename=filename,
        content_disposition_type="inline" if inline else "attachment",
        headers={"X-Content-Type-Options": "nosniff"},
    )
