"""Overload (issue 20): more clients than the worker serves are answered within a second, the
excess with 503 and Retry-After (problem+json on the API, a small bilingual page on the web),
and every shed client's retries are served; nothing waits in a queue for minutes.

A real uvicorn process with a tiny per-worker bound (1 request at once, 0.1 s admission wait)
is flooded with 150 clients at once, half on the API's service list, half on the home page:
however fast the machine, 150 requests take longer than 0.1 s to serve one at a time, so some
are shed. Each shed client waits what Retry-After says, plus up to a second of jitter as a
well-behaved client does, and asks again.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.faults.conftest import portal_env, report, web_server

pytestmark = pytest.mark.timeout(120)

CLIENTS = 150
# Generous beside the 0.2 s admission wait: the machine running the suite is shared.
ANSWER_WITHIN = 1.0


@pytest.fixture(scope="module")
def tight_portal(app: Any, database_url: str) -> Iterator[str]:
    env = portal_env(
        database_url,
        TALENT_MAX_CONCURRENT_REQUESTS="1",
        TALENT_SHED_WAIT_SECONDS="0.1",
        TALENT_SHED_RETRY_AFTER_SECONDS="1",
    )
    server, base = web_server(env)
    server.start()
    yield base
    server.close()


@dataclass
class Answer:
    path: str
    status: int
    headers: dict[str, str]
    body: bytes
    took: float


class Connection:
    """One keep-alive HTTP/1.1 connection on raw asyncio streams: a client's own cost per
    request is a write and a read, so 150 of them reach the server at once (one httpx client
    with a pool that large spends milliseconds per request and would pace the flood itself)."""

    def __init__(self, base: str) -> None:
        self.host, port = base.removeprefix("http://").split(":")
        self.port = int(port)
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> Answer:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        began = time.perf_counter()
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nAccept-Language: en\r\n\r\n".encode()
        )
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {
            k.lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)
        }
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        return Answer(path, int(head[0].split()[1]), headers, body, time.perf_counter() - began)

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


async def _client(connection: Connection, path: str, start: asyncio.Event) -> list[Answer]:
    """One client: asks once, then after each 503 waits what Retry-After says (and a little
    more) and asks again."""
    await start.wait()
    answers: list[Answer] = []
    for _ in range(40):
        answers.append(answer := await connection.get(path))
        if answer.status != 503:
            break
        await asyncio.sleep(float(answer.headers["retry-after"]) + random.random())
    return answers


async def test_overload_is_shed_fast_and_retries_are_served(tight_portal: str) -> None:
    connections = [Connection(tight_portal) for _ in range(CLIENTS)]
    try:
        # Connections opened before the flood, so the clock measures the portal, not TCP
        # set-up; both pages served once, so the flood does not wait on their first-use work.
        await asyncio.gather(*(c.get("/healthz") for c in connections))
        for path in ("/api/v1/services", "/"):
            assert (await connections[0].get(path)).status == 200
        start = asyncio.Event()
        paths = ["/api/v1/services", "/"] * (CLIENTS // 2)
        tasks = [
            asyncio.create_task(_client(c, p, start))
            for c, p in zip(connections, paths, strict=True)
        ]
        flood_began = time.perf_counter()
        start.set()
        results = await asyncio.gather(*tasks)
        flood_took = time.perf_counter() - flood_began
        # While the flood was shed, the probe was never refused.
        assert (await connections[0].get("/healthz")).status == 200
    finally:
        for c in connections:
            c.close()

    firsts = Counter(answers[0].status for answers in results)
    slowest = max(a.took for answers in results for a in answers)
    shed = [a for answers in results for a in answers if a.status == 503]
    report(
        "overload",
        clients=CLIENTS,
        first_answers=dict(firsts),
        slowest_answer_s=round(slowest, 3),
        shed_answers=len(shed),
        most_attempts=max(len(answers) for answers in results),
        all_served_after_s=round(flood_took, 2),
    )
    assert set(firsts) <= {200, 503}, firsts
    assert firsts[503] > 0, "the flood was not large enough to shed anything"
    assert slowest <= ANSWER_WITHIN, f"an answer took {slowest:.2f} s"
    for answers in results:
        assert answers[-1].status == 200, [(a.path, a.status) for a in answers]
    for answer in shed:
        assert answer.headers["retry-after"] == "1"
        assert answer.headers["x-request-id"]  # PortalMiddleware's headers are on it
        if answer.path.startswith("/api/"):
            assert answer.headers["content-type"] == "application/problem+json"
            body = json.loads(answer.body)
            assert body["code"] == "overloaded" and body["status"] == 503
            assert body["title"] == "The service is busy"
        else:
            assert answer.headers["content-type"].startswith("text/html")
            text = answer.body.decode()
            # Both languages, the visitor's first, each marked.
            assert text.index('lang="en"') < text.index('lang="zh"')
            assert "The service is busy" in text and "服务繁忙" in text
