"""Cases made quickly through the JSON API of the browser tests' server, so a page test can open
an approved or refused case without clicking through the whole journey first (the journeys
have browser tests of their own)."""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pyotp

from app.services.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.factories import domestic_payload, renting_returnee_profile

PDF = b"%PDF-1.7\n% browser test\n%%EOF\n"
_staff_tokens: dict[str, dict[str, str]] = {}


@dataclass
class Applicant:
    email: str
    password: str
    headers: dict[str, str]


def _token_from_outbox(email: str, template: str) -> str:
    with sqlite3.connect(os.environ["TALENT_BROWSER_DB"]) as db:
        row = db.execute(
            'SELECT o.payload FROM outbox_message o JOIN "user" u ON u.id = o.recipient_user_id '
            "WHERE u.email = ? AND o.template = ? ORDER BY o.created_at DESC LIMIT 1",
            (email.lower(), template),
        ).fetchone()
    assert row is not None, f"no {template} mail for {email}"
    return str(json.loads(row[0])["params"]["url"]).split("token=", 1)[1]


def new_applicant(client: httpx.Client, language: str = "zh") -> Applicant:
    """A registered, confirmed domestic applicant, signed in through the API."""
    payload = domestic_payload()
    r = client.post("/api/v1/auth/register", json=payload)
    assert r.status_code == 202, r.text
    token = _token_from_outbox(payload["email"], "account.confirm_email")
    assert client.post("/api/v1/auth/confirm-email", json={"token": token}).status_code == 204
    r = client.post(
        "/api/v1/auth/login", json={"email": payload["email"], "password": payload["password"]}
    )
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    if language != "zh":
        r = client.put("/api/v1/me/language", json={"language": language}, headers=headers)
        assert r.status_code in (200, 204), r.text
    return Applicant(payload["email"], payload["password"], headers)


def staff_headers(client: httpx.Client, email: str) -> dict[str, str]:
    """A demo officer's bearer token, signed in once per test session (codes are single use)."""
    if email in _staff_tokens:
        return _staff_tokens[email]
    for attempt in range(3):
        step = int(time.time() // 30)
        for candidate in (step, step + 1):
            code = pyotp.TOTP(DEMO_TOTP_SECRET).at(candidate * 30)
            r = client.post(
                "/api/v1/auth/login",
                json={"email": email, "password": DEMO_PASSWORD, "totp_code": code},
            )
            if r.status_code == 200:
                _staff_tokens[email] = {"Authorization": f"Bearer {r.json()['access_token']}"}
                return _staff_tokens[email]
        if attempt < 2:
            time.sleep(30 - time.time() % 30 + 0.5)
    raise AssertionError(f"staff sign-in failed for {email}")


def _upload(client: httpx.Client, who: Applicant, kind: str) -> str:
    r = client.post(
        "/api/v1/documents",
        headers=who.headers,
        files={"file": (f"{kind}.pdf", PDF, "application/pdf")},
        data={"kind": kind},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def new_draft(
    client: httpx.Client, who: Applicant, district: str = "yangpu", code: str = "rent_subsidy"
) -> str:
    services = client.get("/api/v1/services", params={"district": district}).json()
    sid = next(s["id"] for s in services if s["code"] == code)
    r = client.post("/api/v1/applications", json={"service_id": sid}, headers=who.headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def filled_rent_draft(client: httpx.Client, who: Applicant, district: str = "yangpu") -> str:
    """A rent-subsidy draft with every answer and document, ready to submit."""
    draft = new_draft(client, who, district)
    docs = {
        "id_document": _upload(client, who, "id_card"),
        "degree_certificate": _upload(client, who, "degree_certificate"),
        "overseas_degree_verification": _upload(client, who, "overseas_degree_verification"),
        "employment_contract": _upload(client, who, "employment_contract"),
    }
    answers = renting_returnee_profile(employer_district=district)
    r = client.patch(
        f"/api/v1/applications/{draft}",
        headers=who.headers,
        json={"answers": answers, "documents": docs},
    )
    assert r.status_code == 200, r.text
    return draft


def submitted_rent_case(
    client: httpx.Client, who: Applicant, district: str = "yangpu"
) -> dict[str, Any]:
    draft = filled_rent_draft(client, who, district)
    r = client.post(
        f"/api/v1/applications/{draft}/submit",
        headers={**who.headers, "Idempotency-Key": uuid.uuid4().hex},
        json={"declaration": True, "sensitive_consent": True},
    )
    assert r.status_code == 201, r.text
    return dict(r.json()["case"])


def act(
    client: httpx.Client, headers: dict[str, str], case_id: str, action: str, **extra: Any
) -> dict[str, Any]:
    version = client.get(f"/api/v1/staff/cases/{case_id}", headers=headers).json()["version"]
    r = client.post(
        f"/api/v1/staff/cases/{case_id}/actions",
        headers=headers,
        json={"action": action, "expected_version": version, **extra},
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def decided_rent_case(
    client: httpx.Client, who: Applicant, *, approve: bool, district: str = "yangpu"
) -> dict[str, Any]:
    """A rent-subsidy case accepted at the window, reviewed, then approved or rejected by the
    department's second officer (four eyes)."""
    case = submitted_rent_case(client, who, district)
    clerk = staff_headers(client, f"{district}.window@demo.talent.gov.cn")
    reviewer = staff_headers(client, f"{district}.housing@demo.talent.gov.cn")
    approver = staff_headers(client, f"{district}.housing2@demo.talent.gov.cn")
    act(client, clerk, case["id"], "accept")
    act(client, reviewer, case["id"], "start_review")
    if approve:
        act(client, approver, case["id"], "approve")
    else:
        act(
            client,
            approver,
            case["id"],
            "reject",
            reason="租赁合同的出租方不是房屋产权人",
            clause="《杨浦区人才租房补贴实施细则》第五条",
        )
    return case
