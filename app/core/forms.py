"""Server-side form handling for pages: posted fields validated by the form's input schema (the
one its API route validates too), and the one path a failed post takes back to its page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_args

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from pydantic_core.core_schema import ErrorType

from app.core.templates import language, render
from app.errors import AppError, FieldError, ValidationFailed
from app.i18n import N_, gettext
from app.schemas import UNION_TAGS

M = TypeVar("M", bound=BaseModel)

# Pydantic error types mapped to our translatable messages.
_PYDANTIC_MESSAGES: dict[str, str] = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This is too short."),
    "string_too_long": N_("This is too long."),
    "string_pattern_mismatch": N_("This is not in the expected format."),
    "string_type": N_("Enter text."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "bool_parsing": N_("Choose yes or no."),
    "date_parsing": N_("Enter a real date in the format YYYY-MM-DD."),
    "date_from_datetime_parsing": N_("Enter a real date in the format YYYY-MM-DD."),
    "enum": N_("Choose one of the listed options."),
    "literal_error": N_("Choose one of the listed options."),
    "extra_forbidden": N_("This field is not recognised."),
    "json_invalid": N_("The request body is not valid JSON."),
    "model_attributes_type": N_("The request body must be a JSON object."),
    "dict_type": N_("This must be a JSON object."),
    "list_type": N_("This must be a list."),
    "greater_than_equal": N_("This number is too small."),
    "less_than_equal": N_("This number is too large."),
    "value_error": N_("This value is not valid."),
    "uuid_parsing": N_("This is not a valid reference number."),
    "uuid_type": N_("This is not a valid reference number."),
    "union_tag_not_found": N_("This field is required."),
    "union_tag_invalid": N_("Choose one of: {expected_tags}."),
}
# Pydantic's own error types; any other type comes from our validators, whose message is a msgid.
_PYDANTIC_TYPES: frozenset[str] = frozenset(get_args(ErrorType))
_UNKNOWN_MESSAGE = N_("This value is not valid.")


def field_errors_from(errors: Sequence[Any]) -> list[FieldError]:
    """Pydantic error dicts (request or model validation) as translatable field errors."""
    out: list[FieldError] = []
    for err in errors:
        loc = [
            str(p)
            for p in err.get("loc", ())
            if p not in ("body", "query", "path", "form") and p not in UNION_TAGS
        ]
        kind = str(err.get("type", "value_error"))
        ctx = err.get("ctx") or {}
        if kind.startswith("union_tag_") and (tag := str(ctx.get("discriminator", "")).strip("'")):
            # The union's tag field is what is missing or wrong, not the body as a whole.
            loc.append(tag)
        if kind in _PYDANTIC_MESSAGES:
            message = _PYDANTIC_MESSAGES[kind]
        elif kind in _PYDANTIC_TYPES:
            message = _UNKNOWN_MESSAGE  # never pydantic's English text
        else:
            message = str(err.get("msg", ""))  # PydanticCustomError: the template is our msgid
        if kind == "value_error" and "email" in str(err.get("msg", "")).lower():
            message = N_("Enter an email address in the correct format, like name@example.com.")
        params = {k: v for k, v in ctx.items() if isinstance(v, str | int | float)}
        out.append(FieldError(".".join(loc) or "body", kind, message, params))
    return out


def parse_form(model: type[M], data: Mapping[str, Any]) -> tuple[M | None, list[FieldError]]:
    try:
        return model.model_validate(dict(data)), []
    except ValidationError as exc:
        return None, field_errors_from(exc.errors())


def sent_fields(form: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """The named fields as the form sent them; one it did not send is missing, as a key left
    out of a JSON body is."""
    return {name: form.get(name) for name in names if name in form}


def validate_form(model: type[M], data: Mapping[str, Any], *, also: Sequence[FieldError] = ()) -> M:
    """Posted fields validated by the form's input schema, which its API route validates JSON or
    a query with: the same rules give the same field errors, raised as ValidationFailed so a
    page shows them the way it shows any failure (``shown_on``).

    ``also``: problems only the page has (a confirmation box), reported with the schema's.
    """
    parsed, problems = parse_form(model, data)
    problems += also
    if parsed is None or problems:
        raise ValidationFailed(field_errors=problems)
    return parsed


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


PageContext = dict[str, Any]


@dataclass(frozen=True)
class FormPage:
    """The page a form is posted from, shown again with the error summary when the post fails.

    ``context`` is what the page shows besides the errors. When it comes from the database it
    is a coroutine function, called only after the request scope has undone the failed work,
    so the page never lists what was just rolled back.
    """

    template: str
    context: PageContext | Callable[[], Awaitable[PageContext]] = field(default_factory=dict)
    # None: the error's own status.
    status_code: int | None = None
    # Where the page shows a field's error when its input has another id (one form of several
    # on the page, a row of a table).
    field_id: Callable[[str], str] | None = None
    # Changes to the answer besides the page (a cookie to drop).
    finish: Callable[[Response], None] | None = None


class PageError(AppError):
    """An AppError that a form page answers by showing itself again.

    To everything else it is the error it wraps (status, code, ``preserve_writes``), so the
    request scope settles the transaction as for any error (app.db.get_session); then
    ``after_settle`` reads the page's context, and the handler installed by
    app.core.problems renders the page.
    """

    def __init__(self, error: AppError, page: FormPage) -> None:
        super().__init__(
            error.detail,
            params=error.params,
            field_errors=error.field_errors,
            headers=error.headers,
            extra=error.extra,
        )
        self.status_code = error.status_code
        self.code = error.code
        self.title = error.title
        self.preserve_writes = error.preserve_writes
        self.error = error
        self.page = page
        self.context: PageContext | None = page.context if isinstance(page.context, dict) else None

    async def after_settle(self) -> None:
        if self.context is None and not isinstance(self.page.context, dict):
            self.context = await self.page.context()


@contextmanager
def shown_on(page: FormPage | Callable[[AppError], FormPage]) -> Iterator[None]:
    """An AppError inside the block goes on as a PageError: the post is answered with ``page``
    (or the page chosen for the error) and the error summary. Nothing is undone or caught here;
    the request scope and the page handler do that for every form alike."""
    try:
        yield
    except PageError:
        raise
    except AppError as exc:
        chosen = page if isinstance(page, FormPage) else page(exc)
        raise PageError(exc, chosen) from exc


def page_error_response(request: Request, exc: PageError) -> Response:
    if exc.context is None:
        # The page's reads run in the request scope (after_settle); a route that raises a
        # PageError reading the database without SessionDep would otherwise render nothing.
        raise RuntimeError(f"{exc.page.template}: the page's context was never read")
    errors = errors_of(exc.error, language(request))
    if exc.page.field_id is not None:
        for e in errors:
            if e["field"]:
                e["field"] = exc.page.field_id(e["field"])
    response = render(
        request,
        exc.page.template,
        {**exc.context, "errors": errors},
        status_code=exc.page.status_code or exc.status_code,
    )
    if exc.page.finish is not None:
        exc.page.finish(response)
    return response
