"""Document wallet: content-checked uploads, atomic storage, owner-only downloads."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from tests import factories as f

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _stored_files() -> set[Path]:
    root = Path(os.environ["TALENT_UPLOAD_DIR"])
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


async def _upload(
    client: httpx.AsyncClient,
    user: f.ApiUser,
    name: str,
    content: bytes,
    kind: str = "degree_certificate",
) -> httpx.Response:
    return await client.post(
        "/api/v1/documents",
        headers=user.headers,
        files={"file": (name, content, "application/pdf")},
        data={"kind": kind, "valid_from": "2024-07-01"},
    )


class TestUpload:
    async def test_pdf_is_stored_with_its_hash_and_listed(self, client: httpx.AsyncClient) -> None:
        import hashlib

        user = await f.register_and_login(client, f.domestic_payload())
        r = await _upload(client, user, "学位证书.pdf", PDF)
        assert r.status_code == 201, r.text
        doc = r.json()
        assert doc["sha256"] == hashlib.sha256(PDF).hexdigest()
        assert doc["content_type"] == "application/pdf"
        assert doc["original_name"] == "学位证书.pdf"
        assert doc["verified"] is False
        listed = await client.get("/api/v1/documents", headers=user.headers)
        assert [d["id"] for d in listed.json()] == [doc["id"]]

    async def test_download_is_an_attachment_with_nosniff(self, client: httpx.AsyncClient) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        doc = (await _upload(client, user, "degree.pdf", PDF)).json()
        r = await client.get(f"/api/v1/documents/{doc['id']}/content", headers=user.headers)
        assert r.status_code == 200
        assert r.content == PDF
        assert r.headers["content-disposition"].startswith("attachment")
        assert r.headers["x-content-type-options"] == "nosniff"

    async def test_another_applicant_gets_404(self, client: httpx.AsyncClient) -> None:
        owner = await f.register_and_login(client, f.domestic_payload())
        other = await f.register_and_login(client, f.overseas_payload())
        doc = (await _upload(client, owner, "degree.pdf", PDF)).json()
        r = await client.get(f"/api/v1/documents/{doc['id']}/content", headers=other.headers)
        assert r.status_code == 404

    # Just over the limit is caught while streaming; far over it by the declared length.
    @pytest.mark.parametrize("extra", [1, 3 * 1024 * 1024])
    async def test_oversize_is_413_and_nothing_is_stored(
        self, client: httpx.AsyncClient, extra: int
    ) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        before = _stored_files()
        big = PDF + b"0" * (10 * 1024 * 1024 - len(PDF) + extra)
        r = await _upload(client, user, "big.pdf", big)
        assert r.status_code == 413
        assert r.json()["code"] == "file_too_large"
        assert _stored_files() == before
        assert (await client.get("/api/v1/documents", headers=user.headers)).json() == []

    async def test_fake_pdf_is_415_and_nothing_is_stored(self, client: httpx.AsyncClient) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        before = _stored_files()
        html = b"<html><script>alert(1)</script></html>"
        r = await _upload(client, user, "cv.pdf", html)
        assert r.status_code == 415
        assert r.json()["code"] == "unsupported_file_type"
        # A real PNG that claims to be a PDF is refused too: content and name must agree.
        r = await _upload(client, user, "scan.pdf", PNG)
        assert r.status_code == 415
        assert _stored_files() == before
        assert (await client.get("/api/v1/documents", headers=user.headers)).json() == []

    async def test_path_in_file_name_is_dropped(self, client: httpx.AsyncClient) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        r = await _upload(client, user, "../../etc/passwd.png", PNG, kind="other")
        assert r.status_code == 201
        assert r.json()["original_name"] == "passwd.png"

    async def test_wrong_kind_is_422(self, client: httpx.AsyncClient) -> None:
        user = await f.register_and_login(client, f.domestic_payload())
        r = await _upload(client, user, "degree.pdf", PDF, kind="selfie")
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "kind"
