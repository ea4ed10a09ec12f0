"""Issue 18 in a real browser, in English at phone width: an overseas engineer (passport, class
B) is onboarded by their employer. The employer starts the bundle and records its work-permit
application; the person books the residence-permit appointment, sees the talent apartment and
the school consultation done, ticks the last steps, and the bundle is complete; the talent
confirmation letter verifies through its QR page. The departments' own decisions (already
covered by their journeys) go through the API, so the pages loaded are only those that prove
the onboarding."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from app.services.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_uscc
from tests.browser.journeys import emailed_link, sign_in, staff_page
from tests.browser.test_accessibility import violations
from tests.factories import overseas_payload

pytestmark = pytest.mark.browser
PASSWORD = "Onboarding-Tested-2026"
HR = f"hr.{demo_uscc('91310110MA1G8XYW0')[-6:].lower()}@demo-employer.cn"
ENGINEER = {
    "birth_date": "1990-01-01",
    "highest_degree": "master",
    "degree_country": "US",
    "annual_salary_cny": 400000,
    "work_experience_years": 8.5,
    "months_in_china_per_year": 10,
    "hsk_level": 3,
    "university_world_rank": 150,
    "talent_programs": [],
    "children_count": 1,
    "wants_housing_help": True,
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _login(server: str, email: str, password: str, totp: bool = False) -> dict[str, str]:
    for _attempt in range(3):
        step = int(time.time() // 30)
        for candidate in (step, step + 1):
            body: dict[str, Any] = {"email": email, "password": password}
            if totp:
                body["totp_code"] = pyotp.TOTP(DEMO_TOTP_SECRET).at(candidate * 30)
            r = httpx.post(server + "/api/v1/auth/login", json=body)
            if r.status_code == 200:
                return {"Authorization": f"Bearer {r.json()['access_token']}"}
            if not totp:
                raise AssertionError(r.text)
        time.sleep(30 - time.time() % 30 + 0.5)
    raise AssertionError(f"sign-in failed for {email}")


def _act(server: str, headers: dict[str, str], case_id: str, action: str, **extra: Any) -> None:
    case = httpx.get(f"{server}/api/v1/staff/cases/{case_id}", headers=headers).json()
    r = httpx.post(
        f"{server}/api/v1/staff/cases/{case_id}/actions",
        headers=headers,
        json={"action": action, "expected_version": case["version"], **extra},
    )
    assert r.status_code == 200, r.text


def _person(server: str) -> tuple[dict[str, Any], dict[str, str]]:
    email = f"eng.{uuid.uuid4().hex[:8]}@example.com"
    payload = overseas_payload(
        email=email, password=PASSWORD, full_name="Alex Morgan", nationality="US"
    )
    assert httpx.post(server + "/api/v1/auth/register", json=payload).status_code == 202
    token = emailed_link(server, email).split("token=", 1)[1]
    confirmed = httpx.post(server + "/api/v1/auth/confirm-email", json={"token": token})
    assert confirmed.status_code == 204
    headers = _login(server, email, PASSWORD)
    assert httpx.put(
        server + "/api/v1/me/language", headers=headers, json={"language": "en"}
    ).status_code in (200, 204)
    return payload, headers


def _submit(
    server: str,
    headers: dict[str, str],
    district: str = "yangpu",
    profile: dict[str, Any] | None = None,
) -> str:
    """The person completes the form their employer opened (its pages are the journey's own,
    covered by the application journeys) and submits."""
    services = httpx.get(server + "/api/v1/services", params={"district": district}).json()
    sid = next(s["id"] for s in services if s["code"] == "foreign_talent_onboarding")
    draft = httpx.post(server + "/api/v1/applications", headers=headers, json={"service_id": sid})
    assert draft.status_code in (200, 201), draft.text
    app_id = draft.json()["id"]
    asked = {q["fact"] for q in draft.json()["questions"]}
    answers = {k: v for k, v in (profile or ENGINEER).items() if k in asked}
    r = httpx.patch(
        f"{server}/api/v1/applications/{app_id}", headers=headers, json={"answers": answers}
    )
    assert r.status_code == 200, r.text
    doc = httpx.post(
        server + "/api/v1/documents",
        headers=headers,
        files={"file": ("passport.pdf", PDF, "application/pdf")},
        data={"kind": "id_card"},
    )
    assert doc.status_code == 201, doc.text
    r = httpx.patch(
        f"{server}/api/v1/applications/{app_id}",
        headers=headers,
        json={"documents": {"id_document": doc.json()["id"]}},
    )
    assert r.status_code == 200 and r.json()["unanswered"] == [], r.text
    r = httpx.post(
        f"{server}/api/v1/applications/{app_id}/submit",
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        json={"declaration": True, "sensitive_consent": True},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["case"]["id"])


def _accept(server: str, case_id: str, district: str, hr_api: dict[str, str]) -> None:
    """The window asks the employer named on the form, the employer confirms, the window
    accepts: the bundle's sub-cases start."""
    window = _login(server, f"{district}.window@demo.talent.gov.cn", DEMO_PASSWORD, True)
    due = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 14 * 86400))
    _act(server, window, case_id, "request_employer_confirmation", due_on=due)
    case = httpx.get(f"{server}/api/v1/staff/cases/{case_id}", headers=window).json()
    r = httpx.post(
        f"{server}/api/v1/employer/cases/{case_id}/actions",
        headers=hr_api,
        json={"action": "confirm_employment", "expected_version": case["version"]},
    )
    assert r.status_code == 200, r.text
    _act(server, window, case_id, "accept")


def _decide(server: str, district_key: str, case_id: str) -> None:
    reviewer = _login(server, f"yangpu.{district_key}@demo.talent.gov.cn", DEMO_PASSWORD, True)
    approver = _login(server, f"yangpu.{district_key}2@demo.talent.gov.cn", DEMO_PASSWORD, True)
    _act(server, reviewer, case_id, "start_review")
    _act(server, approver, case_id, "approve")


def test_an_engineer_is_onboarded_by_the_employer(browser: Browser, server: str) -> None:
    payload, person_api = _person(server)

    # The employer starts the bundle for its new hire (phone, English).
    context, employer = staff_page(browser, server, HR, "phone", "en-US")
    try:
        employer.goto(f"{server}/lang/en?next=/onboarding/start")
        employer.locator("#passport_number").fill(payload["passport_number"])
        employer.locator("main button[type=submit]").click()
        expect(employer).to_have_url(re.compile(r"/employer/cases\?done=onboarding$"))

        case_id = _submit(server, person_api)
        _accept(server, case_id, "yangpu", _login(server, HR, DEMO_PASSWORD, True))

        # Pre-check class B; the employer records its national application (hand-off).
        employer.goto(f"{server}/onboarding/{case_id}")
        expect(employer.locator("#precheck-title + p")).to_contain_text("Class B")
        employer.locator("#application_number").fill("WP-2026-000123")
        employer.locator("input[name=outcome][value=granted]").check()
        employer.locator("form[action$='/handoff'] button[type=submit]").click()
        expect(employer.locator(".notification.success")).to_contain_text("recorded")
        expect(employer.locator("#step-work_permit_handoff")).to_contain_text("WP-2026-000123")
        assert violations(employer) == []
    finally:
        context.close()

    # The person books the residence-permit appointment from the same steps.
    person = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page: Page = person.new_page()
    try:
        sign_in(page, server, payload["email"], PASSWORD)
        page.goto(f"{server}/lang/en?next=/onboarding/{case_id}")
        permit = page.locator("#step-residence_permit")
        expect(permit).to_contain_text("To do")
        permit.locator("a[href*='/book?purpose=service:onboarding_residence_permit']").first.click()
        page.locator("input[name=slot_start]").first.check()
        page.locator("button[type=submit]").last.click()
        expect(page.locator(".panel-confirmation")).to_be_visible()

        # The entry-exit office approves; the talent apartment offer and the school
        # consultation are the housing and education bureaus' sub-cases, decided by them.
        view = httpx.get(f"{server}/api/v1/onboarding/{case_id}", headers=person_api).json()
        steps = {s["code"]: s for s in view["steps"]}
        _decide(server, "police", steps["residence_permit"]["case_id"])
        _decide(server, "housing", steps["housing"]["case_id"])
        _decide(server, "education", steps["schooling"]["case_id"])

        page.goto(f"{server}/onboarding/{case_id}")
        for code in ("residence_permit", "housing", "schooling"):
            expect(page.locator(f"#step-{code} dl .status-tag").first).to_have_text("Done")
        for item in (
            "bank_account_opened",
            "social_insurance_registered",
            "medical_insurance_confirmed",
        ):
            page.locator(f"form#step-{item} button[type=submit]").click()
            expect(page.locator(".notification.success").first).to_be_visible()
        expect(page.locator("#steps-title ~ .notification.success")).to_contain_text(
            "All steps are done"
        )
        assert violations(page) == []

        # The talent office decides the letter; it verifies through its QR page.
        talent = _login(server, "yangpu.talent2@demo.talent.gov.cn", DEMO_PASSWORD, True)
        r = httpx.post(f"{server}/api/v1/onboarding/{case_id}/letter", headers=talent)
        assert r.status_code == 200, r.text
        mine = httpx.get(f"{server}/api/v1/cases/{case_id}", headers=person_api).json()
        letter = next(
            d for d in mine["issued_documents"] if d["kind"] == "talent_confirmation_letter"
        )
        page.goto(server + letter["verify_path"])
        expect(page.locator("main")).to_contain_text("Talent confirmation letter")
        expect(page.locator("main")).to_contain_text(mine["number"])
    finally:
        person.close()
