"""Issue 21 item 2: a supplement request (补正) of several items. Each item gets its own files
(several each); the applicant sees the due date; sending needs every item to have a file or an
explanation; only sending returns the case to review; staff see which items arrived and which
were explained. Through the API and through the pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests import factories as f
from tests.integration.test_cases_api import PDF, act, staff, submitted_rent_case, upload
from tests.integration.test_held_answers import csrf_of, web_login

pytestmark = pytest.mark.usefixtures("isolated_db")

ITEMS = ["房屋租赁合同（双方签字页）", "最近三个月租金支付凭证"]


async def _asked(
    client: httpx.AsyncClient, sm: async_sessionmaker[AsyncSession]
) -> tuple[f.ApiUser, str, dict[str, str], dict[str, Any]]:
    user, result = await submitted_rent_case(client)
    case_id = result["case"]["id"]
    clerk = await staff(client, sm, "changning", ["window_clerk"], "service_center")
    reviewer = await staff(client, sm, "changning", ["reviewer"])
    r = await act(client, clerk, case_id, 1, "accept")
    r = await act(client, reviewer, case_id, r.json()["version"], "start_review")
    due = (f.local_today() + timedelta(days=10)).isoformat()
    r = await act(
        client,
        reviewer,
        case_id,
        r.json()["version"],
        "request_supplement",
        items=ITEMS,
        due_on=due,
        reason="租赁合同缺少出租方签字",
    )
    assert r.status_code == 200, r.text
    return user, case_id, reviewer, r.json()


class TestSupplementApi:
    async def test_each_item_has_its_files_and_only_sending_returns_the_case(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, reviewer, asked = await _asked(client, sessionmaker)
        url = f"/api/v1/cases/{case_id}/supplement"
        shown = (await client.get(url, headers=user.headers)).json()
        assert [i["name"] for i in shown["items"]] == ITEMS
        assert shown["due_on"] == (f.local_today() + timedelta(days=10)).isoformat()

        for _ in range(2):  # two files for the first item
            doc = await upload(client, user, "other")
            r = await client.post(
                f"{url}/items/0/files", headers=user.headers, json={"document_id": doc}
            )
            assert r.status_code == 200, r.text
        assert len(r.json()["items"][0]["files"]) == 2
        mine = (await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)).json()
        assert mine["status"] == "review_supplement_requested"  # adding files sends nothing

        # The second item has neither a file nor an explanation: refused, nothing changes.
        r = await client.post(
            f"{url}/send", headers=user.headers, json={"expected_version": mine["version"]}
        )
        assert r.status_code == 422, r.text
        assert [e["field"] for e in r.json()["errors"]] == ["explain-1"]
        mine = (await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)).json()
        assert mine["status"] == "review_supplement_requested"

        r = await client.post(
            f"{url}/send",
            headers=user.headers,
            json={
                "expected_version": mine["version"],
                "explanations": {"1": "房东只接受现金，没有支付凭证"},
            },
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "in_review"

        seen = (await client.get(f"/api/v1/staff/cases/{case_id}", headers=reviewer)).json()
        items = seen["supplement"]["items"]
        assert seen["supplement"]["sent"] is True
        assert len(items[0]["files"]) == 2 and items[0]["explanation"] is None
        assert items[1]["files"] == [] and items[1]["explanation"] == "房东只接受现金，没有支付凭证"
        received = [t for t in seen["timeline"] if t["action"] == "receive_supplement"]
        assert received[-1]["items"] == [ITEMS[0]]

    async def test_another_applicants_document_or_an_unknown_item_is_refused(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, _reviewer, _asked_view = await _asked(client, sessionmaker)
        other = await f.register_and_login(client, f.domestic_payload())
        foreign = await upload(client, other, "other")
        url = f"/api/v1/cases/{case_id}/supplement/items"
        r = await client.post(f"{url}/0/files", headers=user.headers, json={"document_id": foreign})
        assert r.status_code == 422, r.text
        own = await upload(client, user, "other")
        r = await client.post(f"{url}/5/files", headers=user.headers, json={"document_id": own})
        assert r.status_code == 404, r.text
        r = await client.post(
            f"{url}/0/files", headers=other.headers, json={"document_id": foreign}
        )
        assert r.status_code == 404, r.text


class TestSupplementPages:
    async def test_upload_per_item_then_send_with_an_explanation(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        user, case_id, _reviewer, _asked_view = await _asked(client, sessionmaker)
        await web_login(client, user)
        page = await client.get(f"/cases/{case_id}")
        assert page.status_code == 200
        due = (f.local_today() + timedelta(days=10)).isoformat()
        assert due in page.text
        assert 'id="file-0"' in page.text and 'id="file-1"' in page.text
        # No file chosen: the page with the error linked to the item's file input.
        r = await client.post(
            f"/cases/{case_id}/supplement/items/0",
            data={"csrf_token": csrf_of(page.text)},
            files={"file": ("", b"", "application/octet-stream")},
        )
        assert r.status_code == 422 and 'href="#file-0"' in r.text
        r = await client.post(
            f"/cases/{case_id}/supplement/items/0",
            data={"csrf_token": csrf_of(page.text), "kind": "other"},
            files={"file": ("lease.pdf", PDF, "application/pdf")},
        )
        assert r.status_code == 303, r.text
        page = await client.get(f"/cases/{case_id}")
        assert "lease.pdf" in page.text
        version = page.text.split('name="version" value="', 1)[1].split('"', 1)[0]
        r = await client.post(
            f"/cases/{case_id}/supplement",
            data={"csrf_token": csrf_of(page.text), "version": version},
        )
        assert r.status_code == 422 and 'href="#explain-1"' in r.text
        r = await client.post(
            f"/cases/{case_id}/supplement",
            data={"csrf_token": csrf_of(page.text), "version": version, "explain-1": "无凭证"},
        )
        assert r.status_code == 303, r.text
        mine = (await client.get(f"/api/v1/cases/{case_id}", headers=user.headers)).json()
        assert mine["status"] == "in_review"


FAKE_PDF = b"MZ\x90\x00 a program renamed to look like a PDF"
# Wrong inputs on the case page while a supplement is asked for: (step, path, fields, files).
CASE_PAGE_WRONG_INPUTS: list[tuple[str, str, dict[str, str], dict[str, Any] | None]] = [
    ("no file chosen", "supplement/items/0", {"kind": "other"}, None),
    (
        "a fake PDF",
        "supplement/items/0",
        {"kind": "other"},
        {"file": ("scan.pdf", FAKE_PDF, "application/pdf")},
    ),
    (
        "an item not asked for",
        "supplement/items/9",
        {"kind": "other"},
        {"file": ("scan.pdf", PDF, "application/pdf")},
    ),
    ("sending with nothing added", "supplement", {}, None),
    ("sending with a mangled version", "supplement", {"version": "abc", "explain-0": "x"}, None),
    ("a rating out of range", "rating", {"score": "9"}, None),
]


@pytest.mark.parametrize(
    ("step", "path", "fields", "files"),
    CASE_PAGE_WRONG_INPUTS,
    ids=[w[0] for w in CASE_PAGE_WRONG_INPUTS],
)
async def test_a_wrong_input_on_the_case_page_is_never_an_error_page(
    client: httpx.AsyncClient,
    sessionmaker: async_sessionmaker[AsyncSession],
    step: str,
    path: str,
    fields: dict[str, str],
    files: dict[str, Any] | None,
) -> None:
    user, case_id, _reviewer, _asked_view = await _asked(client, sessionmaker)
    await web_login(client, user)
    page = await client.get(f"/cases/{case_id}")
    r = await client.post(
        f"/cases/{case_id}/{path}",
        data={"csrf_token": csrf_of(page.text), **fields},
        files=files,
    )
    assert 400 <= r.status_code < 500, (step, r.status_code, r.text[-500:])
    assert 'class="error-summary"' in r.text, step
