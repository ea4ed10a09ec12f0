"""Logs kept as files (issue 22, item 5): every request writes one JSON line to access.log with
its request id and the caller's user id, never personal data values; files rotate by size."""

from __future__ import annotations

import json
import logging
import logging.handlers
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from app.config import get_settings
from app.core.logging import ACCESS_LOG, ACCESS_LOGGER, APP_LOG
from tests import factories as f


@pytest.fixture
def access_logged() -> Iterator[None]:
    """The suite runs at WARNING; the access log writes at INFO."""
    logger = logging.getLogger(ACCESS_LOGGER)
    before = logger.level
    logger.setLevel(logging.INFO)
    yield
    logger.setLevel(before)


def _flush() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


def _lines(name: str) -> list[dict[str, object]]:
    log_dir = get_settings().log_dir
    assert log_dir is not None
    _flush()
    text = (log_dir / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.usefixtures("access_logged")
async def test_a_request_writes_a_json_access_line_with_ids_and_no_personal_data(
    client: httpx.AsyncClient,
) -> None:
    payload = f.domestic_payload(full_name="欧阳修远")
    user = await f.register_and_login(client, payload)
    r = await client.get("/api/v1/me", headers=user.headers)
    assert r.status_code == 200
    request_id = r.headers["X-Request-ID"]

    lines = [line for line in _lines(ACCESS_LOG) if line.get("request_id") == request_id]
    assert len(lines) == 1, lines
    line = lines[0]
    assert line["user_id"] == user.account["user_id"]
    assert (line["path"], line["status"], line["level"]) == ("/api/v1/me", 200, "INFO")
    raw = json.dumps(line, ensure_ascii=False)
    for personal in (payload["id_number"], payload["full_name"], payload["email"], "13800138000"):
        assert personal not in raw
    # Access lines stay out of the application log, which has its own file.
    assert all(entry.get("request_id") != request_id for entry in _lines(APP_LOG))


@pytest.mark.usefixtures("access_logged")
async def test_a_signed_out_request_has_no_user_id(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    lines = [x for x in _lines(ACCESS_LOG) if x.get("request_id") == r.headers["X-Request-ID"]]
    assert [x["user_id"] for x in lines] == [None]


def test_the_files_rotate_by_size(app: FastAPI) -> None:
    handlers = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.handlers.RotatingFileHandler)
    ]
    names = sorted(h.baseFilename.rsplit("/", 1)[-1] for h in handlers)
    assert names == [ACCESS_LOG, APP_LOG]
    settings = get_settings()
    assert {h.maxBytes for h in handlers} == {settings.log_max_bytes}
    assert {h.backupCount for h in handlers} == {settings.log_backup_count}
