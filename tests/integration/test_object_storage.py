"""Documents in an S3-compatible object store (TALENT_STORAGE=s3, issue 20), against a real S3
HTTP server: moto's, started here in a process of its own so that what it holds does not count
in this process's memory measurements.

Through the portal's own routes: an upload lands in the bucket with the store's SHA-256 of it,
the download streams the same bytes back, a refused or oversize upload leaves no object and no
unfinished multipart upload, a large document passes in parts without growing the portal's
memory, a person's copy of their data holds the documents read from the store, an object the
store received other than sent is deleted, and an account deletion and a records destruction
remove the objects, every version of them (the bucket is versioned).

These tests commit: objects are deleted by the session's after-commit hooks.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import os
import socket
import subprocess
import sys
import time
import tracemalloc
import uuid
import zipfile
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import boto3
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import get_settings
from app.models import Case, Document
from app.services import documents
from app.storage import CHUNK
from tests import factories as f

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PART = 5 * 1024 * 1024  # S3's smallest part; the setting refuses less
MB = 1024 * 1024
T = TypeVar("T")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def bucket(s3_endpoint: str) -> Iterator[Any]:
    """The portal's settings point at a fresh, versioned bucket for this module."""
    name = f"docs-{uuid.uuid4().hex[:12]}"
    env = {
        "TALENT_STORAGE": "s3",
        "TALENT_S3_ENDPOINT_URL": s3_endpoint,
        "TALENT_S3_BUCKET": name,
        "TALENT_S3_REGION": "us-east-1",
        "TALENT_S3_ACCESS_KEY_ID": "testing",
        "TALENT_S3_SECRET_ACCESS_KEY": "testing",
        "TALENT_S3_PART_SIZE_BYTES": str(PART),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    get_settings.cache_clear()
    documents.storage.cache_clear()
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.name = name  # the tests' handle on the bucket
    try:
        yield s3
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
        documents.storage.cache_clear()


def _versions(s3: Any, key: str) -> list[Any]:
    listed = s3.list_object_versions(Bucket=s3.name, Prefix=key)
    return list(listed.get("Versions", []) + listed.get("DeleteMarkers", []))


def _keys(s3: Any) -> set[str]:
    return {o["Key"] for o in s3.list_objects_v2(Bucket=s3.name).get("Contents", [])}


def _b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _composite(path: Path, part: int, count: int) -> str:
    digests = b""
    with path.open("rb") as fh:
        while data := fh.read(part):
            digests += hashlib.sha256(data).digest()
    assert len(digests) == 32 * count
    return _b64sha(digests)


async def _upload(
    client: httpx.AsyncClient, user: f.ApiUser, name: str, content: Any
) -> httpx.Response:
    return await client.post(
        "/api/v1/documents",
        headers=user.headers,
        files={"file": (name, content, "application/pdf")},
        data={"kind": "degree_certificate"},
    )


async def _document(sm: async_sessionmaker[AsyncSession], doc_id: str) -> Document:
    async with sm() as session:
        doc = await session.get(Document, uuid.UUID(doc_id))
    assert doc is not None
    return doc


class TestUploadAndDownload:
    async def test_an_upload_is_an_object_with_its_checksum_and_comes_back_whole(
        self, client: httpx.AsyncClient, bucket: Any, sessionmaker: Any
    ) -> None:
        local = Path(os.environ["TALENT_UPLOAD_DIR"])
        before = set(local.rglob("*")) if local.exists() else set()
        user = await f.register_and_login(client, f.domestic_payload())
        r = await _upload(client, user, "学位证书.pdf", PDF)
        assert r.status_code == 201, r.text
        assert r.json()["sha256"] == hashlib.sha256(PDF).hexdigest()
        doc = await _document(sessionmaker, r.json()["id"])
        assert doc.sha256 == hashlib.sha256(PDF).hexdigest()

        # The store holds it, with its own SHA-256 of what it received; nothing went to disk.
        head = bucket.head_object(Bucket=bucket.name, Key=doc.storage_key, ChecksumMode="ENABLED")
        assert head["ContentLength"] == len(PDF)
        assert head["ChecksumSHA256"] == _b64sha(PDF)
        assert (set(local.rglob("*")) if local.exists() else set()) == before

        got = await client.get(f"/api/v1/documents/{r.json()['id']}/content", headers=user.headers)
        assert got.status_code == 200
        assert got.content == PDF
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["content-disposition"].startswith("attachment; filename*=utf-8''")
        assert got.headers["x-content-type-options"] == "nosniff"
        other = await f.register_and_login(client, f.overseas_payload())
        r = await client.get(f"/api/v1/documents/{doc.id}/content", headers=other.headers)
        assert r.status_code == 404

    async def test_a_refused_or_oversize_upload_leaves_no_object_and_no_parts(
        self, client: httpx.AsyncClient, bucket: Any
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        before = _keys(bucket)
        r = await _upload(client, user, "scan.pdf", PNG)  # a PNG named .pdf
        assert r.status_code == 415, r.text
        # Just over the limit: caught while streaming, after two parts were already sent.
        big = PDF + b"0" * (get_settings().upload_max_bytes - len(PDF) + 1)
        r = await _upload(client, user, "big.pdf", big)
        assert r.status_code == 413, r.text
        assert _keys(bucket) == before
        assert bucket.list_multipart_uploads(Bucket=bucket.name).get("Uploads", []) == []

    async def test_a_large_document_streams_in_parts(
        self,
        bucket: Any,
        tmp_path: Path,
        sessionmaker: Any,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """50 MB up and down with the portal's memory peak far below the document's size."""
        from app.main import create_app

        size = 50 * MB
        monkeypatch.setenv("TALENT_UPLOAD_MAX_BYTES", str(64 * MB))
        get_settings.cache_clear()
        app = create_app()  # its body limit is read when it is made
        big = tmp_path / "big.pdf"
        digest = hashlib.sha256()
        with big.open("wb") as fh:
            block = PDF + os.urandom(MB - len(PDF))
            for i in range(size // MB):
                chunk = block if i == 0 else os.urandom(MB)
                digest.update(chunk)
                fh.write(chunk)
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                user = await f.register_and_login(c, f.domestic_payload())
                # The same route with a tiny document: what an upload costs whatever its size
                # (a client, botocore's service model, the request's working set).
                small_peak, _ = await _peak(_upload(c, user, "small.pdf", PDF))
                with big.open("rb") as fh:
                    upload_peak, r = await _peak(_upload(c, user, "big.pdf", fh))
                assert r.status_code == 201, r.text
                assert r.json()["sha256"] == digest.hexdigest()
                doc = await _document(sessionmaker, r.json()["id"])

                # Ten parts of 5 MB; the store's checksum of the object is the SHA-256 of the
                # parts' SHA-256s, which moto computes from the bytes it received.
                head = bucket.head_object(
                    Bucket=bucket.name, Key=doc.storage_key, ChecksumMode="ENABLED"
                )
                assert head["ContentLength"] == size
                assert head["ChecksumSHA256"].split("-")[0] == _composite(big, PART, size // PART)

                sizes, received = await _stream_download(app, user, doc.id)
        finally:
            await app.state.engine.dispose()
            get_settings.cache_clear()
        assert received["sha256"] == digest.hexdigest()
        assert sum(sizes) == size and max(sizes) <= CHUNK
        # Beyond a tiny upload's cost, the 50 MB one holds about one part being filled, one
        # being sent and the HTTP client's copy of it, not the document.
        grown = upload_peak - small_peak
        assert grown < 4 * PART, f"{small_peak / MB:.1f} MB -> {upload_peak / MB:.1f} MB"
        assert received["peak"] < 2 * MB, received["peak"]


async def _peak(work: Awaitable[T]) -> tuple[int, T]:
    """The traced memory's peak while ``work`` runs, and its result."""
    tracemalloc.start()
    try:
        result = await work
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


async def _stream_download(
    app: FastAPI, user: f.ApiUser, doc_id: uuid.UUID
) -> tuple[list[int], dict[str, Any]]:
    """Calls the download route as a server would, hashing and dropping each chunk sent
    (httpx's test transport would keep the whole body), with the memory peak meanwhile."""
    sizes: list[int] = []
    digest = hashlib.sha256()
    status: list[int] = []

    asked = asyncio.Event()

    async def receive() -> dict[str, Any]:
        # The request has no body; after it, the client stays connected until the end.
        if asked.is_set():
            await asyncio.Event().wait()
        asked.set()
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body" and message.get("body"):
            sizes.append(len(message["body"]))
            digest.update(message["body"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": f"/api/v1/documents/{doc_id}/content",
        "raw_path": f"/api/v1/documents/{doc_id}/content".encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", user.headers["Authorization"].encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    peak, _ = await _peak(app(scope, receive, send))  # type: ignore[arg-type]
    assert status == [200]
    return sizes, {"sha256": digest.hexdigest(), "peak": peak}


class TestCopyOfMyData:
    async def test_the_copy_holds_the_documents_from_the_store(
        self, client: httpx.AsyncClient, bucket: Any, sessionmaker: Any
    ) -> None:
        from tests.integration.test_my_data import prepared_copy

        user = await f.register_and_login(client, f.domestic_payload())
        r = await _upload(client, user, "degree.pdf", PDF)
        assert r.status_code == 201, r.text
        ready = await prepared_copy(client, sessionmaker, user)
        r = await client.get(ready["api_download_url"], headers=user.headers)
        assert r.status_code == 200, r.text
        archive = zipfile.ZipFile(io.BytesIO(r.content))
        files = [n for n in archive.namelist() if n.startswith("files/")]
        assert [archive.read(n) for n in files] == [PDF]
        # The documents were copied beside the ZIP only while it was written.
        exports = Path(os.environ["TALENT_EXPORT_DIR"])
        assert not [p for p in exports.iterdir() if p.name.endswith(".files")]


class TestChecksum:
    async def test_an_object_the_store_did_not_receive_intact_is_deleted(
        self, bucket: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Bytes changed between the portal's hashing and the store (simulated by flipping a
        bit of each part on its way out): the store's checksum of the object, which moto
        computes from what it received, differs; the upload fails and leaves no version."""
        from app.storage import s3

        sent = s3.S3Storage._put_part

        async def corrupted(
            self: Any, client: Any, key: str, upload_id: str, done: Any, data: bytes
        ) -> Any:
            return await sent(self, client, key, upload_id, done, data[:-1] + b"\x00")

        monkeypatch.setattr(s3.S3Storage, "_put_part", corrupted)
        before = bucket.list_object_versions(Bucket=bucket.name)

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range((PART + MB) // CHUNK):
                yield b"\xff" * CHUNK

        with pytest.raises(s3.ChecksumMismatch):
            await documents.storage().save(chunks(), 10 * PART)
        after = bucket.list_object_versions(Bucket=bucket.name)
        for kind in ("Versions", "DeleteMarkers"):
            assert after.get(kind, []) == before.get(kind, [])
        assert bucket.list_multipart_uploads(Bucket=bucket.name).get("Uploads", []) == []


class TestDeletion:
    async def test_account_deletion_removes_the_objects_and_their_versions(
        self, client: httpx.AsyncClient, bucket: Any, sessionmaker: Any
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        ids = [(await _upload(client, user, f"d{i}.pdf", PDF)).json()["id"] for i in range(2)]
        keys = [(await _document(sessionmaker, i)).storage_key for i in ids]
        assert all(_versions(bucket, k) for k in keys)

        r = await client.post(
            "/api/v1/account/deletion", headers=user.headers, json={"password": user.password}
        )
        assert r.status_code == 200, r.text
        for key in keys:
            assert _versions(bucket, key) == []
            assert not documents.storage().exists(key)

    async def test_records_destruction_removes_the_objects(
        self, client: httpx.AsyncClient, bucket: Any, sessionmaker: Any
    ) -> None:
        from tests.integration.test_retention import (
            DISTRICT,
            open_list_id,
            propose_now,
            records_officer,
            rejected_case,
            years_ago,
        )

        _, decided, _ = await rejected_case(client, sessionmaker)
        async with sessionmaker() as session:
            case = await session.get(Case, uuid.UUID(decided["id"]))
            assert case is not None
            keys = list(
                (
                    await session.execute(
                        select(Document.storage_key).where(
                            Document.owner_applicant_id == case.applicant_id
                        )
                    )
                ).scalars()
            )
        assert keys and all(_versions(bucket, k) for k in keys)

        await years_ago(sessionmaker, decided["id"], 4)
        await propose_now(sessionmaker, DISTRICT)
        first = await records_officer(client, sessionmaker, DISTRICT)
        second = await records_officer(client, sessionmaker, DISTRICT)
        list_id = await open_list_id(client, first)
        base = f"/api/v1/records/destruction-lists/{list_id}"
        r = await client.post(f"{base}/submission", headers=first)
        assert r.status_code == 200, r.text
        r = await client.post(f"{base}/approval", headers=second)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "destroyed"
        for key in keys:
            assert _versions(bucket, key) == []
