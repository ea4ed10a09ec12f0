"""Error rendering: problem+json (RFC 9457) under /api, an error page with a summary elsewhere."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.forms import PageError, field_errors_from, page_error_response
from app.core.templates import language, redirect, render
from app.errors import AppError, FieldError, NotFound, ValidationFailed
from app.i18n import N_, gettext

log = logging.getLogger(__name__)
PROBLEM_TYPE_BASE = "https://talent.example.gov.cn/problems/"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def validation_field_errors(exc: RequestValidationError) -> list[FieldError]:
    return field_errors_from(exc.errors())


def problem_response(request: Request, exc: AppError) -> Response:
    lang = language(request)
    if _is_api(request):
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + exc.code,
            "title": gettext(lang, exc.title),
            "status": exc.status_code,
            "code": exc.code,
            "instance": request.url.path,
            "request_id": getattr(request.state, "request_id", None),
        }
        if exc.detail:
            body["detail"] = gettext(lang, exc.detail, exc.params)
        if exc.field_errors:
            body["errors"] = [
                {"field": fe.field, "code": fe.code, "message": fe.text(lang, gettext)}
                for fe in exc.field_errors
            ]
        body.update(exc.extra)
        return JSONResponse(
            body,
            status_code=exc.status_code,
            media_type="application/problem+json",
            headers=exc.headers,
        )
    if exc.status_code == 401 and exc.code == "authentication_required":
        # Pages send the visitor to sign in and back, rather than showing an error.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(request, "/login?next=" + quote(target, safe=""))
    template = "errors/404.html" if exc.status_code == 404 else "errors/error.html"
    return render(
        request,
        template,
        {
            "error": exc,
            "title": gettext(lang, exc.title),
            "detail": gettext(lang, exc.detail, exc.params) if exc.detail else None,
            "errors": [
                {"field": fe.field, "message": fe.text(lang, gettext)} for fe in exc.field_errors
            ],
        },
        status_code=exc.status_code,
    )


class _HttpError(AppError):
    """Framework-level errors (unknown route, wrong method) rendered like our own."""


class _ServerError(AppError):
    status_code = 500
    code = "internal_error"
    title = N_("Sorry, there is a problem with the service")
    default_detail = N_("Try again later. If it keeps happening, quote the request id.")


def server_error_response(request: Request) -> Response:
    """The 500 answer: a problem or an error page quoting the request id, never a traceback."""
    try:
        return problem_response(request, _ServerError())
    except Exception:  # the error page itself failed: fall back to plain text
        log.exception("error page failed")
        lang = language(request)
        return Response(
            gettext(lang, _ServerError.title),
            status_code=500,
            media_type="text/plain; charset=utf-8",
        )


def install_error_handlers(app: FastAPI) -> None:
    async def on_app_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AppError)
        return problem_response(request, exc)

    async def on_page_error(request: Request, exc: Exception) -> Response:
        # A failed form post: its page again with the error summary (app.core.forms.shown_on).
        assert isinstance(exc, PageError)
        return page_error_response(request, exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return problem_response(
            request, ValidationFailed(field_errors=validation_field_errors(exc))
        )

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return problem_response(request, NotFound())
        err = _HttpError(N_("This request is not supported."))
        err.status_code = exc.status_code
        err.code = f"http_{exc.status_code}"
        return problem_response(request, err)

    async def on_crash(request: Request, exc: Exception) -> Response:
        # Only reached when PortalMiddleware itself fails; it handles the application's crashes.
        log.exception("unhandled error")
        return server_error_response(request)

    app.add_exception_handler(AppError, on_app_error)
    app.add_exception_handler(PageError, on_page_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)
