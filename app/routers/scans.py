"""The window clerk's scans in a multipart post, taken the same way by the window page and the
window API (core reads uploads; the scans are the window service's own type)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.datastructures import FormData, UploadFile

from app.core.uploads import read_chunks
from app.services.applications.window import ScannedFile


def scanned_files(form: FormData, materials: Iterable[Any]) -> list[ScannedFile]:
    """An optional ``file_<code>`` part per material of the service."""
    scans = []
    for m in materials:
        upload = form.get(f"file_{m.code}")
        if isinstance(upload, UploadFile) and upload.filename:
            scans.append(ScannedFile(m.code, m.kind, upload.filename, read_chunks(upload)))
    return scans
