"""Document wallet: content-checked uploads, atomic storage, owner-only downloads."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests import factories as f

pytestmark = pytest.mark.usefixtures("isolated_db")

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


class TestVerifiedByStaff:
    async def test_reviewer_marks_a_case_document_and_the_applicant_sees_it(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from sqlalchemy import select

        from app.models import AuditEntry
        from tests.integration.test_cases_api import staff, submitted_rent_case

        user, result = await submitted_rent_case(client, "yangpu")
        case_id = result["case"]["id"]
        reviewer = await staff(client, sessionmaker, "yangpu", ["reviewer"])
        listed = await client.get(f"/api/v1/staff/cases/{case_id}/documents", headers=reviewer)
        assert listed.status_code == 200, listed.text
        marks = listed.json()
        assert len(marks) == 4 and all(m["verified_at"] is None for m in marks)
        doc_id = next(m["id"] for m in marks if m["kind"] == "degree_certificate")
        url = f"/api/v1/staff/cases/{case_id}/documents/{doc_id}/verification"

        backwards = await client.post(
            url, headers=reviewer, json={"valid_from": "2025-07-01", "valid_to": "2020-01-01"}
        )
        assert backwards.status_code == 422
        r = await client.post(url, headers=reviewer, json={"valid_from": "2025-07-01"})
        assert r.status_code == 200, r.text
        mark = r.json()
        assert mark["verified_at"] and mark["verified_by"] == "测试工作人员"
        assert mark["valid_from"] == "2025-07-01"
        again = await client.post(url, headers=reviewer, json={"valid_from": "2026-01-01"})
        assert again.json() == mark  # already verified: nothing changes

        wallet = (await client.get("/api/v1/documents", headers=user.headers)).json()
        mine = next(d for d in wallet if d["id"] == doc_id)
        assert (
            mine["verified"] is True and mine["verified_on"] and mine["valid_from"] == "2025-07-01"
        )
        assert sum(d["verified"] for d in wallet) == 1

        async with sessionmaker() as session:
            entries = (
                (
                    await session.execute(
                        select(AuditEntry).where(
                            AuditEntry.action == "document.verified", AuditEntry.object_id == doc_id
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert len(entries) == 1 and entries[0].district == "yangpu"

    async def test_only_reviewers_and_clerks_of_the_district_may_mark(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        from tests.integration.test_cases_api import staff, submitted_rent_case

        user, result = await submitted_rent_case(client, "yangpu")
        case_id = result["case"]["id"]
        clerk = await staff(client, sessionmaker, "yangpu", ["window_clerk"], "service_center")
        marks = (await client.get(f"/api/v1/staff/cases/{case_id}/documents", headers=clerk)).json()
        url = f"/api/v1/staff/cases/{case_id}/documents/{marks[0]['id']}/verification"
        approver = await staff(client, sessionmaker, "yangpu", ["approver"])
        other = await staff(client, sessionmaker, "changning", ["reviewer"])
        finance = await staff(client, sessionmaker, "yangpu", ["finance_maker"], "finance")
        assert (await client.post(url, headers=approver, json={})).status_code == 403
        assert (await client.post(url, headers=other, json={})).status_code == 404
        assert (await client.post(url, headers=finance, json={})).status_code == 403
        assert (await client.post(url, headers=user.headers, json={})).status_code == 403
        unrelated = await _upload(client, user, "other.pdf", PDF)
        stray = f"/api/v1/staff/cases/{case_id}/documents/{unrelated.json()['id']}/verification"
        assert (await client.post(stray, headers=clerk, json={})).status_code == 404
        assert (await client.post(url, headers=clerk, json={})).status_code == 200

    async def test_case_page_form_needs_confirmation_and_shows_the_mark(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        import re

        from tests.integration.test_audit import page_login
        from tests.integration.test_cases_api import submitted_rent_case

        user, result = await submitted_rent_case(client, "yangpu")
        case_id = result["case"]["id"]
        client.cookies.clear()
        reviewer = await f.create_staff(
            sessionmaker, district="yangpu", roles=["reviewer"], department="housing"
        )
        await page_login(client, reviewer)
        page = await client.get(f"/staff/cases/{case_id}")
        assert page.status_code == 200
        action = re.search(r'action="(/staff/cases/[^"]+/verify)"', page.text)
        assert action
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        refused = await client.post(
            action.group(1), data={"csrf_token": token.group(1), "valid_from": "2025-07-01"}
        )
        assert refused.status_code == 422
        assert 'class="error-summary"' in refused.text
        done = await client.post(
            action.group(1),
            data={"csrf_token": token.group(1), "valid_from": "2025-07-01", "confirm": "yes"},
        )
        assert done.status_code == 303
        shown = await client.get(done.headers["location"])
        assert shown.text.count("2025-07-01") >= 1
        assert "Verified by staff" in shown.text or "工作人员已核验" in shown.text

        client.cookies.clear()
        await page_login(client, user.email)
        wallet = await client.get("/wallet")
        assert "Verified by staff" in wallet.text or "工作人员已核验" in wallet.text
