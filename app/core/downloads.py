"""Sending a stored document: always an attachment (or an explicit inline preview), no sniffing."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi.responses import FileResponse, Response, StreamingResponse

from app.storage import Source

_NOSNIFF = {"X-Content-Type-Options": "nosniff"}


def file_response(
    source: Source, filename: str, content_type: str, *, inline: bool = False
) -> Response:
    disposition = "inline" if inline else "attachment"
    if isinstance(source, Path):
        return FileResponse(
            source,
            media_type=content_type,
            filename=filename,
            content_disposition_type=disposition,
            headers=_NOSNIFF,
        )
    # An object in the object store: streamed through, one chunk at a time, named as
    # FileResponse names a file (RFC 5987 for a name that is not plain ASCII).
    quoted = quote(filename)
    if quoted != filename:
        named = f"{disposition}; filename*=utf-8''{quoted}"
    else:
        named = f'{disposition}; filename="{filename}"'
    return StreamingResponse(
        source.open(),
        media_type=content_type,
        headers={"Content-Disposition": named, **_NOSNIFF},
    )
