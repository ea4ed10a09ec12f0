"""Load shedding's admission rule on a stub application (the real server under a flood is
tests/faults/test_overload.py): a bounded number served at once, the rest answered 503 with
Retry-After once the admission wait is over; probes and static files always served."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

from app.core.shedding import LoadShedMiddleware

HOLD = 0.05


async def _slow_ok(scope: Any, receive: Any, send: Any) -> None:
    await asyncio.sleep(HOLD)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def _call(app: Any, path: str, lang: str = "en", method: str = "GET") -> dict[str, Any]:
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
        else:
            answer["body"] += message.get("body", b"")

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [],
        "state": {"lang": lang, "request_id": "r" * 16},
    }
    await app(scope, receive, send)
    return answer


async def test_at_most_the_limit_is_served_at_once_and_the_rest_is_shed() -> None:
    app = LoadShedMiddleware(_slow_ok, limit=2, wait_seconds=HOLD / 2, retry_after=3)
    answers = await asyncio.gather(*(_call(app, "/api/v1/services") for _ in range(10)))
    assert Counter(a["status"] for a in answers) == {200: 2, 503: 8}
    shed = next(a for a in answers if a["status"] == 503)
    assert shed["headers"]["retry-after"] == "3"
    assert shed["headers"]["content-type"] == "application/problem+json"
    problem = json.loads(shed["body"])
    assert problem["code"] == "overloaded" and problem["title"] == "The service is busy"
    # The slots were given back: the next request is served.
    assert (await _call(app, "/api/v1/services"))["status"] == 200


async def test_a_request_waits_for_a_slot_within_the_admission_wait() -> None:
    app = LoadShedMiddleware(_slow_ok, limit=1, wait_seconds=HOLD * 4, retry_after=1)
    answers = await asyncio.gather(*(_call(app, "/") for _ in range(2)))
    assert [a["status"] for a in answers] == [200, 200]


async def test_the_web_answer_is_a_small_page_in_both_languages() -> None:
    app = LoadShedMiddleware(_slow_ok, limit=1, wait_seconds=0, retry_after=1)
    # The first takes the only slot; the second, a Chinese reader's, is shed at once.
    answers = await asyncio.gather(_call(app, "/"), _call(app, "/cases", lang="zh"))
    page = next(a for a in answers if a["status"] == 503)
    text = page["body"].decode()
    assert page["headers"]["content-type"] == "text/html; charset=utf-8"
    assert page["headers"]["retry-after"] == "1"
    assert '<html lang="zh">' in text
    assert text.index('lang="zh"') < text.index('lang="en"')
    assert "服务繁忙" in text and "The service is busy" in text
    assert 'href="/cases"' in text  # a page asked for again is the retry


async def test_probes_and_static_files_are_never_shed_and_zero_turns_it_off() -> None:
    app = LoadShedMiddleware(_slow_ok, limit=1, wait_seconds=0, retry_after=1)
    paths = ["/healthz", "/readyz", "/static/app.css"] * 3
    answers = await asyncio.gather(*(_call(app, p) for p in paths))
    assert {a["status"] for a in answers} == {200}
    off = LoadShedMiddleware(_slow_ok, limit=0, wait_seconds=0, retry_after=1)
    answers = await asyncio.gather(*(_call(off, "/api/v1/services") for _ in range(10)))
    assert {a["status"] for a in answers} == {200}
