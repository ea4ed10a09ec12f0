"""Issue 17 point 5 for organisations: the decision on an organisation's own application (here
an exam-fee batch claim) issues its written decision too, addressed to the organisation's
registered name, the claim's persons masked, refusals with reasons and the right to 行政复议 /
行政诉讼; the organisation's users download it from their case page (no wallet), another
organisation cannot, the public page verifies it, and a retried decision issues nothing more."""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import Case, IssuedDocument, Service, User
from app.repositories import erasure
from app.services.issued_documents import issuing
from app.workflow.states import CaseAction
from tests import factories as f
from tests.integration.test_audit import page_login
from tests.integration.test_issued_documents import _text
from tests.integration.test_organisation_claims import decide, exam_line, file, staff

pytestmark = pytest.mark.usefixtures("isolated_db")

SM = async_sessionmaker[AsyncSession]
PERSON = "李四光"


async def _filed(
    client: httpx.AsyncClient, sm: SM, name: str, language: str = "zh"
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """An organisation of Yangpu whose one user reads ``language`` files a batch claim naming
    ``PERSON``: the user's email, API headers and the case."""
    _uscc, email = await f.create_employer_with_hr(sm, district="yangpu", name=name)
    async with sm() as session, session.begin():
        await session.execute(update(User).where(User.email == email).values(language=language))
    headers = await f.employer_login(client, email)
    r = await file(
        client, headers, service_code="employer_exam_fee_claim", lines=[exam_line(name=PERSON)]
    )
    assert r.status_code == 201, r.text
    return email, headers, r.json()


async def _one_document(client: httpx.AsyncClient, org: dict[str, str], case_id: str) -> Any:
    view = (await client.get(f"/api/v1/employer/claims/{case_id}", headers=org)).json()
    [doc] = view["issued_documents"]
    return doc


async def _documents_of(sm: SM, case_id: str) -> int:
    async with sm() as session:
        stmt = select(func.count()).where(IssuedDocument.case_id == uuid.UUID(case_id))
        return int((await session.execute(stmt)).scalar_one())


class TestOrganisationWrittenDecision:
    async def test_an_approval_is_issued_once_to_the_organisation_and_verifies(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        _email, org, case = await _filed(client, sessionmaker, "杨浦光子科技")
        before = case["version"] + 2  # accepted, then in review: the approval's version
        decided = await decide(client, sessionmaker, case, "approve")
        assert decided["status"] == "approved"
        doc = await _one_document(client, org, case["id"])
        # Chinese only: none of the organisation's users chose English.
        assert doc["kind"] == "result_decision" and doc["languages"] == ["zh"]
        url = f"/api/v1/cases/{case['id']}/issued-documents/{doc['id']}/pdf"
        r = await client.get(url, headers=org)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/pdf"
        pdf = r.content
        text = _text(pdf)
        for expected in ("杨浦光子科技", case["number"], "批准", "李**"):
            assert expected in text, expected
        assert PERSON not in text and "行政复议" not in text

        sha = hashlib.sha256(pdf).hexdigest()
        doc = await _one_document(client, org, case["id"])
        # Kept on the case (an organisation has no wallet), rendered once.
        assert doc["ready"] is True and doc["sha256"] == sha
        assert doc["wallet_document_id"] is None
        assert (await client.get(url, headers=org)).content == pdf

        token = doc["verify_url"].rsplit("/", 1)[1]
        public = (await client.get(f"/api/v1/verify/{token}")).json()
        assert public["organisation_name"] == "杨浦光子科技" and public["masked_name"] == ""
        assert public["case_number"] == case["number"] and public["decision"] == "approved"
        assert public["sha256"] == sha
        assert "李" not in str(public)
        same = await client.post(
            f"/api/v1/verify/{token}", files={"file": ("copy.pdf", pdf, "application/pdf")}
        )
        assert same.json()["matches"] is True

        # The case's department downloads it from the staff side, another organisation not.
        own = await staff(client, sessionmaker, "yangpu", ["reviewer"], case["department"])
        assert (await client.get(url, headers=own)).status_code == 200
        _other_email, other, _ = await _filed(client, sessionmaker, "别家科技")
        assert (await client.get(url, headers=other)).status_code == 404
        assert (
            await client.get(f"/api/v1/cases/{case['id']}/issued-documents", headers=other)
        ).status_code == 404

        # A retried decision (the same version again) is refused and issues nothing; the hook
        # and the backfill run again find the document there.
        approver = await staff(client, sessionmaker, "yangpu", ["approver"], case["department"])
        again = await client.post(
            f"/api/v1/staff/cases/{case['id']}/actions",
            headers=approver,
            json={"action": "approve", "expected_version": before},
        )
        assert again.status_code == 409, again.text
        async with sessionmaker() as session, session.begin():
            row = await session.get(Case, uuid.UUID(case["id"]))
            assert row is not None
            service = await session.get(Service, row.service_id)
            assert service is not None
            reissued = await issuing.issue_decision(session, row, service, CaseAction.APPROVE)
            assert reissued is not None and str(reissued.id) == doc["id"]
        await issuing.backfill(sessionmaker)
        assert await _documents_of(sessionmaker, case["id"]) == 1

        # The department's officer on the staff case page, as for a person's case.
        officer = await f.create_staff(
            sessionmaker, district="yangpu", roles=["reviewer"], department=case["department"]
        )
        client.cookies.clear()
        await page_login(client, officer)
        staff_page = await client.get(f"/staff/cases/{case['id']}")
        assert staff_page.status_code == 200, staff_page.text
        link = f"/staff/cases/{case['id']}/issued/{doc['id']}.pdf"
        assert link in staff_page.text
        assert (await client.get(link)).content == pdf

    async def test_a_refusal_gives_reasons_and_remedies_in_english_too_on_the_employer_page(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        email, org, case = await _filed(client, sessionmaker, "长阳数据服务", language="en")
        decided = await decide(client, sessionmaker, case, "reject")
        assert decided["status"] == "rejected"
        doc = await _one_document(client, org, case["id"])
        assert doc["languages"] == ["zh", "en"]

        # The organisation's user, signed in on the pages: the case page links the download.
        client.cookies.clear()
        await page_login(client, email)
        page = await client.get(f"/employer/claims/{case['id']}")
        assert page.status_code == 200, page.text
        link = f"/employer/cases/{case['id']}/issued/{doc['id']}.pdf"
        assert link in page.text and f"/verify/{doc['verify_url'].rsplit('/', 1)[1]}" in page.text
        r = await client.get(link)
        assert r.status_code == 200, r.text
        text = _text(r.content)
        for expected in (
            "长阳数据服务",
            case["number"],
            "不予批准",
            "材料不符",
            "附件项目清单5",
            "行政复议",
            "行政诉讼",
            "上海市杨浦区人民政府",
            "administrativereconsideration",
            "李**",
        ):
            assert expected in text, expected
        assert PERSON not in text

        token = doc["verify_url"].rsplit("/", 1)[1]
        public = (await client.get(f"/api/v1/verify/{token}")).json()
        assert public["decision"] == "rejected" and public["case_number"] == case["number"]
        assert public["sha256"] == hashlib.sha256(r.content).hexdigest()
        client.cookies.clear()
        verify_page = await client.get(f"/verify/{token}")
        assert verify_page.status_code == 200 and "长阳数据服务" in verify_page.text
        assert not re.search(PERSON, verify_page.text)

        # Another organisation's user on the pages: the download is unknown to them.
        other_email, _other, _ = await _filed(client, sessionmaker, "别家数据")
        client.cookies.clear()
        await page_login(client, other_email)
        assert (await client.get(link)).status_code == 404
        assert await _documents_of(sessionmaker, case["id"]) == 1

    async def test_erasing_the_case_lists_the_organisations_file_for_deletion(
        self, client: httpx.AsyncClient, sessionmaker: SM
    ) -> None:
        _email, org, case = await _filed(client, sessionmaker, "杨浦档案科技")
        await decide(client, sessionmaker, case, "approve")
        doc = await _one_document(client, org, case["id"])
        url = f"/api/v1/cases/{case['id']}/issued-documents/{doc['id']}/pdf"
        assert (await client.get(url, headers=org)).status_code == 200
        async with sessionmaker() as session:
            row = await session.get(IssuedDocument, uuid.UUID(doc["id"]))
            assert row is not None and row.storage_key and row.document_id is None
            key = row.storage_key
        async with sessionmaker() as session, session.begin():
            erased = await erasure.erase_case(session, uuid.UUID(case["id"]))
        assert key in erased.storage_keys
        assert await _documents_of(sessionmaker, case["id"]) == 0
