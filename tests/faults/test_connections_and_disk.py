"""PostgreSQL connections terminated under running requests, and an upload disk that fills up
while a file is written."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests import factories as f
from tests.faults.conftest import (
    Process,
    TableLock,
    libpq,
    portal_env,
    report,
    web_server,
)
from tests.faults.test_kill9 import ready_draft, rows, submit

pytestmark = pytest.mark.timeout(120)


def terminate_portal_backends(database_url: str, keep: set[int]) -> int:
    with psycopg.connect(libpq(database_url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND pid <> ALL(%s)",
            (list(keep),),
        ).fetchone()
        return int(row[0]) if row else 0


def clean_failure(r: httpx.Response) -> bool:
    """A failure the client can act on: 503, a problem body that says what happened, and when
    to come back."""
    if r.status_code != 503:
        return False
    body = r.json()
    return bool(body.get("title")) and bool(body.get("detail")) and "Retry-After" in r.headers


async def test_connections_terminated_mid_request(
    portal: tuple[Process, str], database_url: str, http: httpx.AsyncClient
) -> None:
    _, base = portal
    drafts = [await ready_draft(http) for _ in range(4)]
    keys = {draft: uuid.uuid4().hex for _, draft in drafts}
    with TableLock(database_url, "case_counter") as lock:
        assert lock.conn is not None
        pending = [
            asyncio.create_task(submit(base, user, draft, keys[draft])) for user, draft in drafts
        ]
        await asyncio.to_thread(lock.waiting, len(drafts))
        # Every connection of the portal goes: those waiting inside a submission and the idle
        # ones in its pool.
        terminated = terminate_portal_backends(database_url, {lock.conn.info.backend_pid})
    first = await asyncio.gather(*pending)
    answers = [r.status_code if r is not None else None for r in first]
    assert all(r is not None for r in first), answers
    unclean = [
        r.text for r in first if r is not None and r.status_code != 201 and not clean_failure(r)
    ]
    assert not unclean, unclean
    acknowledged = {
        keys[d] for (_, d), r in zip(drafts, first, strict=True) if r and r.status_code == 201
    }

    # The client retries the refused ones with the same keys; the pool has recovered.
    for (user, draft), r in zip(drafts, first, strict=True):
        if r is not None and r.status_code != 201:
            again = await submit(base, user, draft, keys[draft])
            assert again is not None and again.status_code == 201, again and again.text
            acknowledged.add(keys[draft])
    user = drafts[0][0]
    after = [(await http.get("/api/v1/cases", headers=user.headers)).status_code for _ in range(10)]
    assert after == [200] * 10

    stored = dict(
        rows(
            database_url,
            "SELECT a.idempotency_key, count(c.id) FROM application a"
            " LEFT JOIN service_case c ON c.application_id = a.id"
            " WHERE a.idempotency_key = ANY(%s) GROUP BY 1",
            list(keys.values()),
        )
    )
    lost = [k for k in acknowledged if stored.get(k) != 1]
    assert not lost
    report(
        "pg_terminate_backend under running submissions",
        backends_terminated=terminated,
        first_answers=answers,
        acknowledged_after_retry=len(acknowledged),
        survived=sum(1 for k in acknowledged if stored.get(k) == 1),
        requests_after_recovery_ok=after.count(200),
        lost=len(lost),
    )


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KB tmpfs for the uploads (the suite runs as root in CI; mount needs it)."""
    mount = tmp_path / "uploads"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def files_in(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


async def test_disk_full_while_storing_an_upload(
    app: object, database_url: str, small_disk: Path
) -> None:
    server, base = web_server(portal_env(database_url, TALENT_UPLOAD_DIR=str(small_disk)))
    server.start()
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            user = await f.register_and_login(
                client,
                f.domestic_payload(),
                app.state.sessionmaker,  # type: ignore[attr-defined]
            )
            big = b"%PDF-1.4\n" + b"0" * (600 * 1024)
            answers = {}
            for lang in ("zh", "en"):
                r = await client.post(
                    "/api/v1/documents",
                    headers={**user.headers, "Accept-Language": lang},
                    files={"file": ("degree.pdf", big, "application/pdf")},
                    data={"kind": "degree_certificate"},
                )
                answers[lang] = r
            for r in answers.values():
                assert r.status_code in (503, 507), r.text
                assert r.headers["content-type"].startswith("application/problem+json")
            zh, en = answers["zh"].json(), answers["en"].json()
            assert zh["title"] != en["title"] and zh["detail"] != en["detail"]
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh["title"] + zh["detail"])
            partial = files_in(small_disk)
            stored_rows = rows(
                database_url,
                "SELECT count(*) FROM document d JOIN applicant a ON a.id = d.owner_applicant_id"
                ' JOIN "user" u ON u.id = a.user_id WHERE u.email = %s',
                user.email,
            )[0][0]
            assert partial == [] and stored_rows == 0
            # Space is back as soon as the failed file is gone: a small upload is stored.
            small = b"%PDF-1.4\n" + b"0" * 1024
            r = await client.post(
                "/api/v1/documents",
                headers=user.headers,
                files={"file": ("degree.pdf", small, "application/pdf")},
                data={"kind": "degree_certificate"},
            )
            assert r.status_code == 201, r.text
    finally:
        server.close()
    report(
        "disk full while storing an upload",
        answers=[answers["zh"].status_code, answers["en"].status_code],
        message_en=en["title"],
        partial_files=len(partial),
        document_rows=stored_rows,
        upload_after_space_freed=r.status_code,
        lost=0,
    )
