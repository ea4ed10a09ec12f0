"""Every step of the applicant's journey answers its ordinary mistakes with its page and an error
summary (4xx), never an error page (5xx): an upload with no file or a file that is not what its
name says, a question page with impossible answers, the check page without the declaration."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests import factories as f
from tests.integration.test_documents import PDF
from tests.integration.test_held_answers import csrf_of, draft_for, web_login

FAKE_PDF = b"MZ\x90\x00 this is a program, not a PDF"

# (step, page to read the form from, path posted to, fields, files)
WRONG_INPUTS: list[tuple[str, str, str, dict[str, str], dict[str, Any] | None]] = [
    (
        "upload without a file",
        "documents",
        "documents/upload",
        {"requirement": "id_document", "kind": "id_card"},
        None,
    ),
    (
        "upload of an empty file name",
        "documents",
        "documents/upload",
        {"requirement": "id_document"},
        {"file": ("", b"", "application/octet-stream")},
    ),
    (
        "upload of a fake PDF",
        "documents",
        "documents/upload",
        {"requirement": "id_document"},
        {"file": ("scan.pdf", FAKE_PDF, "application/pdf")},
    ),
    (
        "upload for a document not asked",
        "documents",
        "documents/upload",
        {"requirement": "no_such_material"},
        {"file": ("scan.pdf", PDF, "application/pdf")},
    ),
    (
        "upload with a wrong date",
        "documents",
        "documents/upload",
        {"requirement": "id_document", "valid_to": "2026-13-45"},
        {"file": ("scan.pdf", PDF, "application/pdf")},
    ),
    (
        "choosing someone else's document",
        "documents",
        "documents",
        {"doc_id_document": "00000000-0000-0000-0000-000000000001"},
        None,
    ),
    (
        "a birth date that is not a date",
        "questions/1",
        "questions/1",
        {"birth_date": "not-a-date"},
        None,
    ),
    (
        "a choice that is not offered",
        "questions/1",
        "questions/1",
        {"highest_degree": "wizard"},
        None,
    ),
    (
        "a birth date in the future",
        "questions/1",
        "questions/1",
        {"birth_date": "2999-01-01"},
        None,
    ),
    ("submit without the declaration", "check", "submit", {"idempotency_key": "k" * 20}, None),
    ("submit without a key", "check", "submit", {"declaration": "1"}, None),
]


@pytest.mark.parametrize(
    ("step", "page", "path", "fields", "files"), WRONG_INPUTS, ids=[w[0] for w in WRONG_INPUTS]
)
async def test_a_wrong_input_is_answered_with_its_page_and_an_error_summary(
    client: httpx.AsyncClient,
    step: str,
    page: str,
    path: str,
    fields: dict[str, str],
    files: dict[str, Any] | None,
) -> None:
    # The birth date is asked only of a passport holder: a resident ID number already says it.
    payload = f.overseas_payload() if "birth_date" in fields else f.domestic_payload()
    user = await f.register_and_login(client, payload)
    draft = await draft_for(client, user)
    await web_login(client, user)
    shown = await client.get(f"/applications/{draft['id']}/{page}")
    assert shown.status_code == 200
    r = await client.post(
        f"/applications/{draft['id']}/{path}",
        data={"csrf_token": csrf_of(shown.text), **fields},
        files=files,
    )
    assert 400 <= r.status_code < 500, (step, r.status_code, r.text[-500:])
    assert 'class="error-summary"' in r.text, step


async def test_a_fake_pdf_with_documents_in_the_wallet_is_answered_with_the_page(
    client: httpx.AsyncClient,
) -> None:
    user = await f.register_and_login(client, f.domestic_payload())
    draft = await draft_for(client, user)
    await web_login(client, user)
    url = f"/applications/{draft['id']}/documents"
    shown = await client.get(url)
    ok = await client.post(
        url + "/upload",
        data={"csrf_token": csrf_of(shown.text), "requirement": "id_document", "kind": "id_card"},
        files={"file": ("id.pdf", PDF, "application/pdf")},
    )
    assert ok.status_code == 303
    shown = await client.get(url)
    for requirement in ("id_document", "degree_certificate"):
        r = await client.post(
            url + "/upload",
            data={"csrf_token": csrf_of(shown.text), "requirement": requirement, "kind": "other"},
            files={"file": ("scan.pdf", FAKE_PDF, "application/pdf")},
        )
        assert r.status_code in (415, 422), r.text[-800:]
        assert 'class="error-summary"' in r.text
        assert 'href="#file-' + requirement + '"' in r.text
