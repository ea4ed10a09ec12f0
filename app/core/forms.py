"""Server-side form handling for pages: validate into a pydantic model, or collect errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.problems import field_errors_from
from app.errors import AppError, FieldError
from app.i18n import gettext

M = TypeVar("M", bound=BaseModel)


def parse_form(model: type[M], data: Mapping[str, Any]) -> tuple[M | None, list[FieldError]]:
    try:
        return model.model_validate(dict(data)), []
    except ValidationError as exc:
        return None, field_errors_from(exc.errors())


def error_list(lang: str, errors: list[FieldError]) -> list[dict[str, str]]:
    """Errors for the page's error summary and inline messages, first per field only."""
    seen: set[str] = set()
    out: list[dict[str, str]] = []
    for fe in errors:
        if fe.field in seen:
            continue
        seen.add(fe.field)
        out.append({"field": fe.field, "message": fe.text(lang, gettext)})
    return out


def errors_of(exc: AppError, lang: str) -> list[dict[str, str]]:
    if exc.field_errors:
        return error_list(lang, exc.field_errors)
    detail = gettext(lang, exc.detail, exc.params) if exc.detail else gettext(lang, exc.title)
    return [{"field": "", "message": detail}]


async def settle_failure(session: AsyncSession, exc: AppError) -> None:
    """A page that shows an error instead of raising it applies the same transaction policy as
    the request scope: undo the work, except writes the error asks to keep (failed-login counts).
    """
    if not exc.preserve_writes:
        await session.rollback()
