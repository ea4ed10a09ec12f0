"""JSON logs carrying the request id and the user id. Personal data is never logged: log ids,
not values.

Besides stderr, two JSON-lines files under ``log_dir`` (``var/log`` by default): ``app.log``
(everything but the access log) and ``access.log`` (one line per request), each rotated by size
(``log_max_bytes``, ``log_backup_count``); rotated files older than ``log_retention_days`` are
deleted by the worker's round (``app.services.log_retention``)."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType

from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.exc import StatementError

from app.config import get_settings

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# The signed-in caller's user id (never a name or an address), set when the caller is resolved.
user_id_var: ContextVar[str | None] = ContextVar("user_id", default=None)
ACCESS_LOGGER = "app.access"
APP_LOG = "app.log"
ACCESS_LOG = "access.log"


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        if getattr(record, "user_id", None) is None:
            record.user_id = user_id_var.get()
        return True


class _OnlyAccess(logging.Filter):
    def __init__(self, access: bool) -> None:
        super().__init__()
        self.access = access

    def filter(self, record: logging.LogRecord) -> bool:
        return (record.name == ACCESS_LOGGER) is self.access


def _safe_database_message(exc: BaseException) -> str | None:
    """What a database error may say in a log: its kind, state and constraint, never values.

    Engines run with ``hide_parameters``, but PostgreSQL's own message repeats the offending
    values (``DETAIL: Key (email)=(...) already exists``), as can its primary text.
    """
    if isinstance(exc, StatementError):
        orig = exc.orig
        inner = _safe_database_message(orig) if orig is not None else None
        kind = f"{type(orig).__module__}.{type(orig).__qualname__}" if orig is not None else ""
        return f"({kind}) {inner or ''}\n[SQL: {exc.statement}]\n[SQL parameters hidden]"
    diag = getattr(exc, "diag", None)
    if diag is not None and type(exc).__module__.startswith("psycopg"):
        return _fields(diag)
    # asyncpg: SQLAlchemy's adapter error carries the driver's own error as its cause.
    for candidate in (exc, exc.__cause__):
        if candidate is not None and type(candidate).__module__.startswith("asyncpg"):
            return _fields(candidate)
    return None


def _fields(source: object) -> str:
    def get(name: str) -> object:
        return getattr(source, name, None) or "-"

    return (
        f"sqlstate={get('sqlstate')} table={get('table_name')} "
        f"constraint={get('constraint_name')} column={get('column_name')}"
    )


class _PortalJsonFormatter(JsonFormatter):
    def formatException(  # type: ignore[override]
        self,
        ei: tuple[type[BaseException], BaseException, TracebackType | None]
        | tuple[None, None, None],
    ) -> str | list[str]:
        formatted = super().formatException(ei)
        text = formatted if isinstance(formatted, str) else "\n".join(formatted)
        exc, seen, replacements = ei[1], set(), []
        while exc is not None and id(exc) not in seen:
            seen.add(id(exc))
            safe = _safe_database_message(exc)
            raw = str(exc)
            if safe is not None and raw:
                replacements.append((raw, safe))
            exc = exc.__cause__ or exc.__context__
        # Longest first: a wrapper's message can be the start of the driver's (asyncpg's
        # adds the DETAIL line), and replacing the shorter one first would leave the rest.
        for raw, safe in sorted(replacements, key=lambda pair: -len(pair[0])):
            text = text.replace(raw, safe)
        return text if isinstance(formatted, str) else text.splitlines()


def _formatter() -> _PortalJsonFormatter:
    return _PortalJsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s",
        rename_fields={"asctime": "time", "levelname": "level"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )


def _file_handler(path: Path, access: bool) -> logging.Handler:
    settings = get_settings()
    handler = logging.handlers.RotatingFileHandler(
        path,
        maxBytes=settings.log_max_bytes,
        backupCount=settings.log_backup_count,
        encoding="utf-8",
    )
    handler.setFormatter(_formatter())
    handler.addFilter(_RequestIdFilter())
    handler.addFilter(_OnlyAccess(access))
    return handler


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_formatter())
    handler.addFilter(_RequestIdFilter())
    handlers: list[logging.Handler] = [handler]
    log_dir = get_settings().log_dir
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        handlers += [
            _file_handler(log_dir / APP_LOG, False),
            _file_handler(log_dir / ACCESS_LOG, True),
        ]
    root = logging.getLogger()
    for old in root.handlers:
        old.close()
    root.handlers[:] = handlers
    root.setLevel(level)
    # uvicorn's own loggers (its error traceback included) go through this handler too, even
    # when uvicorn was started with its default plain-text logging config.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # uvicorn's access log prints full URLs (which may carry lookup codes); ours replaces it.
    logging.getLogger("uvicorn.access").disabled = True
