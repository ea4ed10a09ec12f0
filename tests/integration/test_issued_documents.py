"""Issue 17 point 5 (不见面): every decision issues a written decision, a PDF with Chinese text
(the CJK font subset into the file), the clause, the case number and a QR code to a public
page that verifies it by SHA-256; it is in the applicant's wallet; a changed copy fails the
check. Video appointments stand in for showing originals and stay on the case."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import AuditEntry, Case, IssuedDocument, OutboxMessage, User
from app.services.issued_documents import issuing
from tests import factories as f
from tests.integration.test_audit import page_login
from tests.integration.test_cases_api import act, staff, submitted_rent_case
from tests.integration.test_held_answers import csrf_of, web_login

pytestmark = pytest.mark.usefixtures("isolated_db")


def _text(pdf: bytes) -> str:
    """The PDF's text with all spacing removed (the extractor spaces CJK glyphs apart)."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))


def _embedded_fonts(pdf: bytes) -> list[str]:
    """The names of the fonts whose program is inside the file (FontFile2/3 on a descendant)."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                if "/FontFile2" in descriptor or "/FontFile3" in descriptor:
                    found.append(str(descriptor["/FontName"]))
    return found


async def _in_review(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], language: str
) -> tuple[f.ApiUser, str, dict[str, str], dict[str, str], dict[str, Any]]:
    user, result = await submitted_rent_case(client, district="yangpu")
    async with sm() as session, session.begin():
        await session.execute(
            update(User).where(User.email == user.email).values(language=language)
        )
    case_id = result["case"]["id"]
    clerk = await staff(client, sm, "yangpu", ["window_clerk"], "service_center")
    reviewer = await staff(client, sm, "yangpu", ["reviewer"], "housing")
    r = await act(client, clerk, case_id, 1, "accept")
    assert r.status_code == 200, r.text
    r = await act(client, reviewer, case_id, r.json()["version"], "start_review")
    assert r.status_code == 200, r.text
    return user, case_id, clerk, reviewer, r.json()


async def _rejected(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession], language: str = "en"
) -> tuple[f.ApiUser, str, dict[str, str], str]:
    user, case_id, clerk, _reviewer, view = await _in_review(client, sm, language)
    approver = await staff(client, sm, "yangpu", ["approver"], "housing")
    clause = view["clauses"][0]
    r = await act(
        client, approver, case_id, view["version"], "reject", reason="社保缴纳不足", clause=clause
    )
    assert r.status_code == 200, r.text
    return user, case_id, clerk, clause


class TestWrittenDecision:
    async def test_a_refusal_is_a_bilingual_pdf_with_chinese_text_that_the_public_page_verifies(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, _clerk, clause = await _rejected(client, sessionmaker, "en")
        mine = (await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)).json()
        [listed] = mine["issued_documents"]
        # Written in the decision's transaction; the PDF follows (the worker or this download).
        assert listed["kind"] == "result_decision" and listed["languages"] == ["zh", "en"]
        assert listed["ready"] is False

        r = await client.get(
            f"/api/v1/cases/{case_id}/issued-documents/{listed['id']}/pdf", headers=user.headers
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/pdf"
        pdf = r.content
        text = _text(pdf)
        # Chinese and English, the decision, the clause, the case number, the reasons and the
        # right to 行政复议 / 行政诉讼 with the district government.
        for expected in (
            mine["number"],
            "不予批准",
            "社保缴纳不足",
            re.sub(r"\s+", "", clause),
            "行政复议",
            "行政诉讼",
            "上海市杨浦区人民政府",
            "administrativereconsideration",
            "Casenumber",
        ):
            assert expected in text, expected
        # The CJK font's program is in the file (a subset: the whole font is megabytes).
        assert _embedded_fonts(pdf) and len(pdf) < 200_000

        sha = hashlib.sha256(pdf).hexdigest()
        listed = (
            await client.get(f"/api/v1/cases/{case_id}/issued-documents", headers=user.headers)
        ).json()[0]
        assert listed["ready"] is True and listed["sha256"] == sha
        wallet = (await client.get("/api/v1/documents", headers=user.headers)).json()
        assert [d["sha256"] for d in wallet if d["kind"] == "result_decision"] == [sha]
        # Downloading again gives the same file: it is rendered once.
        again = await client.get(
            f"/api/v1/cases/{case_id}/issued-documents/{listed['id']}/pdf", headers=user.headers
        )
        assert again.content == pdf

        token = listed["verify_url"].rsplit("/", 1)[1]
        assert token in text  # the footer names the reference the QR code carries
        public = (await client.get(f"/api/v1/verify/{token}")).json()
        assert public["case_number"] == mine["number"]
        assert public["decision"] == "rejected"
        assert public["sha256"] == sha
        # The factory's applicant is 王小明: the public page shows 王** and nothing more.
        assert public["masked_name"] == "王**"
        assert "小明" not in str(public) and "王小明" in text

        same = await client.post(
            f"/api/v1/verify/{token}", files={"file": ("copy.pdf", pdf, "application/pdf")}
        )
        assert same.status_code == 200, same.text
        assert same.json()["matches"] is True
        tampered = pdf.replace(mine["number"].encode(), b"YP-2026-999999")
        if tampered == pdf:  # the text is in compressed streams: change any byte instead
            middle = len(pdf) // 2
            tampered = pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :]
        changed = await client.post(
            f"/api/v1/verify/{token}", files={"file": ("copy.pdf", tampered, "application/pdf")}
        )
        assert changed.json() == {
            "matches": False,
            "uploaded_sha256": hashlib.sha256(tampered).hexdigest(),
            "stored_sha256": sha,
        }
        assert (await client.get("/api/v1/verify/not-a-real-token-at-all")).status_code == 404

        # The page, signed out: the same facts, and a post without a file names the field.
        client.cookies.clear()
        page = await client.get(f"/verify/{token}")
        assert page.status_code == 200 and sha in page.text and "王**" in page.text
        assert "王小明" not in page.text
        empty = await client.post(
            f"/verify/{token}", data={"csrf_token": csrf_of(page.text)}, files={"x": ("", b"")}
        )
        assert empty.status_code == 422 and 'href="#file"' in empty.text
        posted = await client.post(
            f"/verify/{token}",
            data={"csrf_token": csrf_of(page.text)},
            files={"file": ("copy.pdf", tampered, "application/pdf")},
        )
        assert posted.status_code == 303
        assert posted.headers["location"] == f"/verify/{token}?result=mismatch#result"

    async def test_an_approval_is_rendered_by_the_worker_round_in_chinese_only(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, clerk, _reviewer, view = await _in_review(client, sessionmaker, "zh")
        approver = await staff(client, sessionmaker, "yangpu", ["approver"], "housing")
        r = await act(client, approver, case_id, view["version"], "approve")
        assert r.status_code == 200, r.text
        # 不见面: the result is handed over online; the applicant is told where to get it.
        r = await act(
            client, clerk, case_id, r.json()["version"], "issue_result", delivery="online"
        )
        assert r.status_code == 200, r.text
        mine = (await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)).json()
        assert "证照夹" in mine["outcome"]["collection"]
        # The round renders what is pending (other tests' documents too, on a shared database).
        assert await issuing.render_pending(sessionmaker) >= 1
        while await issuing.render_pending(sessionmaker):
            pass
        [doc] = (
            await client.get(f"/api/v1/cases/{case_id}/issued-documents", headers=user.headers)
        ).json()
        assert doc["ready"] is True and doc["languages"] == ["zh"]
        pdf = (
            await client.get(
                f"/api/v1/cases/{case_id}/issued-documents/{doc['id']}/pdf", headers=user.headers
            )
        ).content
        text = _text(pdf)
        assert "已批准" in text or "批准" in text
        assert "行政复议" not in text and "Casenumber" not in text
        assert hashlib.sha256(pdf).hexdigest() == doc["sha256"]

    async def test_backfill_issues_what_older_decisions_lack_once(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        _user, case_id, _clerk, _clause = await _rejected(client, sessionmaker)
        mine = IssuedDocument.case_id == uuid.UUID(case_id)
        async with sessionmaker() as session, session.begin():
            await session.execute(delete(IssuedDocument).where(mine))
        assert await issuing.backfill(sessionmaker) >= 1
        assert await issuing.backfill(sessionmaker) == 0
        async with sessionmaker() as session:
            doc = (await session.execute(select(IssuedDocument).where(mine))).scalar_one()
            assert doc.public["decision"] == "rejected" and doc.status == issuing.PENDING

    async def test_only_the_applicant_and_the_case_staff_reach_the_document(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, _clerk, _clause = await _rejected(client, sessionmaker)
        [doc] = (
            await client.get(f"/api/v1/cases/{case_id}/issued-documents", headers=user.headers)
        ).json()
        url = f"/api/v1/cases/{case_id}/issued-documents/{doc['id']}/pdf"
        stranger = await f.register_and_login(client, f.domestic_payload(), sessionmaker)
        assert (await client.get(url, headers=stranger.headers)).status_code == 404
        elsewhere = await staff(client, sessionmaker, "changning", ["reviewer"], "housing")
        assert (await client.get(url, headers=elsewhere)).status_code == 404
        own = await staff(client, sessionmaker, "yangpu", ["reviewer"], "housing")
        assert (await client.get(url, headers=own)).status_code == 200


class TestVideoChecks:
    async def test_the_responsible_staff_schedules_and_records_and_the_applicant_sees_it(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, clerk, reviewer, _view = await _in_review(client, sessionmaker, "zh")
        body = {"scheduled_at": "2026-12-20T10:30:00+08:00", "note": "护照原件"}
        refused = await client.post(
            f"/api/v1/cases/{case_id}/video-checks", headers=reviewer, json=body
        )
        assert refused.status_code == 403, refused.text
        far = {"scheduled_at": "9999-12-31T23:59:59-14:00"}
        r = await client.post(f"/api/v1/cases/{case_id}/video-checks", headers=clerk, json=far)
        assert r.status_code == 422, r.text
        r = await client.post(f"/api/v1/cases/{case_id}/video-checks", headers=clerk, json=body)
        assert r.status_code == 201, r.text
        check = r.json()
        assert check["outcome"] is None and check["can_record"] is True

        mine = (await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)).json()
        [seen] = mine["video_checks"]
        assert seen["id"] == check["id"] and seen["staff_name"]
        assert "video_check" in {t["action"] for t in mine["timeline"]}

        outcome = f"/api/v1/cases/{case_id}/video-checks/{check['id']}/outcome"
        r = await client.post(outcome, headers=clerk, json={"outcome": "verified"})
        assert r.status_code == 200, r.text
        assert r.json()["outcome"] == "verified"
        again = await client.post(outcome, headers=clerk, json={"outcome": "no_show"})
        assert again.status_code == 409
        bad = await client.post(outcome, headers=clerk, json={"outcome": "maybe"})
        assert bad.status_code == 422

        async with sessionmaker() as session:
            actions = set(
                (
                    await session.execute(
                        select(AuditEntry.action).where(AuditEntry.object_id == case_id)
                    )
                ).scalars()
            )
            responsible = (
                await session.execute(
                    select(Case.first_responsible_staff_id).where(Case.id == uuid.UUID(case_id))
                )
            ).scalar_one()
        assert responsible is not None
        assert {"case.video_check_scheduled", "case.video_check_recorded"} <= actions


class TestVideoChecksOnTheStaffPage:
    async def test_the_page_schedules_with_an_error_summary_first_and_records_the_outcome(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, result = await submitted_rent_case(client, district="yangpu")
        case_id = result["case"]["id"]
        clerk_email = await f.create_staff(
            sessionmaker, district="yangpu", roles=["window_clerk"], department="service_center"
        )
        clerk = await f.staff_login(client, clerk_email)
        assert (await act(client, clerk, case_id, 1, "accept")).status_code == 200
        client.cookies.clear()
        await page_login(client, clerk_email)
        page = await client.get(f"/staff/cases/{case_id}")
        assert f'action="/staff/cases/{case_id}/video-checks"' in page.text
        token = csrf_of(page.text)

        empty = await client.post(
            f"/staff/cases/{case_id}/video-checks", data={"csrf_token": token, "scheduled_at": ""}
        )
        assert empty.status_code == 422
        assert "error-summary" in empty.text and 'href="#scheduled_at"' in empty.text
        done = await client.post(
            f"/staff/cases/{case_id}/video-checks",
            data={"csrf_token": token, "scheduled_at": "2026-12-21T09:30", "note": "学位证原件"},
        )
        assert done.status_code == 303
        assert done.headers["location"].endswith("?done=video_check_scheduled#video-checks")
        page = await client.get(done.headers["location"])
        assert "2026-12-21 09:30" in page.text and "学位证原件" in page.text

        [check] = (
            await client.get(f"/api/v1/cases/{case_id}/video-checks", headers=user.headers)
        ).json()
        # The applicant's case page says when to have the originals ready, in plain text.
        staff_cookies = httpx.Cookies(client.cookies)
        client.cookies.clear()
        await web_login(client, user)
        mine = await client.get(f"/cases/{case_id}")
        assert 'id="video-appointment"' in mine.text
        assert "2026-12-21 09:30 UTC+8" in mine.text and "&lt;time" not in mine.text
        client.cookies = staff_cookies
        recorded = await client.post(
            f"/staff/cases/{case_id}/video-checks/{check['id']}",
            data={"csrf_token": token, "outcome": "no_show"},
        )
        assert recorded.status_code == 303
        [check] = (
            await client.get(f"/api/v1/cases/{case_id}/video-checks", headers=user.headers)
        ).json()
        assert check["outcome"] == "no_show"
        async with sessionmaker() as session:
            told = (
                (
                    await session.execute(
                        select(OutboxMessage.payload)
                        .join(User, User.id == OutboxMessage.recipient_user_id)
                        .where(
                            User.email == user.email, OutboxMessage.template == "case.video_check"
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert told and "2026-12-21 09:30" in str(told[0])
