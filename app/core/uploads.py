"""Reading one uploaded file from a multipart request, refusing oversize bodies before parsing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

from fastapi import Request
from starlette.datastructures import UploadFile

from app.config import get_settings
from app.errors import FieldError, PayloadTooLarge, ValidationFailed
from app.i18n import N_

_MULTIPART_SLACK = 64 * 1024  # boundaries and the small text fields around the file
CHUNK = 64 * 1024


async def read_chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while data := await upload.read(CHUNK):
        yield data


@dataclass
class UploadForm:
    file: UploadFile
    fields: dict[str, str]

    def chunks(self) -> AsyncIterator[bytes]:
        return read_chunks(self.file)

    def date_field(self, name: str) -> date | None:
        raw = self.fields.get(name, "").strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError as exc:
            raise ValidationFailed(
                field_errors=[
                    FieldError(
                        name, "date_parsing", N_("Enter a real date in the format YYYY-MM-DD.")
                    )
                ]
            ) from exc


def refuse_oversize(request: Request) -> None:
    limit = get_settings().upload_max_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + _MULTIPART_SLACK:
        raise PayloadTooLarge(params={"max_mb": limit // (1024 * 1024)})


async def read_upload(request: Request) -> UploadForm:
    refuse_oversize(request)
    form = await request.form(max_files=1, max_fields=20)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ValidationFailed(
            field_errors=[FieldError("file", "required", N_("Choose a file to upload."))]
        )
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    return UploadForm(upload, fields)


ACCEPTS_FILES = "x-accepts-files"
"""Marks a route that takes uploaded files: only such a route gets the upload size limit and
read timeout (app/core/bodies.py); any other multipart body is held to the form limit."""
FILES: dict[str, object] = {ACCEPTS_FILES: True}
"""``openapi_extra`` of a page route that takes files (its documentation needs nothing more)."""

UPLOAD_OPENAPI = {
    ACCEPTS_FILES: True,
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "kind"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "kind": {"type": "string"},
                        "valid_from": {"type": "string", "format": "date"},
                        "valid_to": {"type": "string", "format": "date"},
                    },
                }
            }
        },
    },
}


async def read_form_with_file(request: Request) -> tuple[UploadFile | None, dict[str, str]]:
    """A form with at most one file (``file``), which may be left out: the form's own check
    says whether it was needed, with the other fields' errors."""
    refuse_oversize(request)
    form = await request.form(max_files=1, max_fields=30)
    upload = form.get("file")
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None, fields
    return upload, fields
