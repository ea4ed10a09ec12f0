"""Issue 18 in a real browser, in English at phone width: an overseas engineer (passport, class
B) is onboarded by their employer. The employer starts the bundle and records its work-permit
application; the person books the residence-permit appointment, accepts the talent apartment
the housing office offers, requests the school consultation from its step and books a session,
ticks the last steps, and the bundle is complete; the person and the employer see the same
progress, and the talent confirmation letter verifies through its QR page. The departments' own
decisions (already covered by their journeys) go through the API; axe checks every page."""

from __future__ import annotations

import re
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from app.services.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_uscc
from tests.browser.conftest import shot
from tests.browser.journeys import (
    PDF,
    WORDS,
    answer_every_page,
    emailed_link,
    listed_materials,
    sign_in,
    staff_page,
    to_declaration,
    to_documents,
    upload_materials,
)
from tests.browser.portal_api import service_id
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


def _complete_the_form(page: Page, server: str, tmp: Path) -> str:
    """The person completes, on the pages, the one form their employer opened: the service's
    button finds the draft, the questions (nationality known from the passport, the employer
    already named), the passport's copy, the declaration; returns the bundle's case id."""
    w = WORDS["en"]
    page.goto(f"{server}/services")
    sid = service_id("foreign_talent_onboarding", "yangpu")
    page.locator(f"form:has(input[name=service_id][value='{sid}'])").locator("button").click()
    page.get_by_role("link", name=w["answer"]).click()
    answer_every_page(page, ENGINEER, "en")
    assert violations(page) == []
    with page.expect_navigation():
        page.get_by_role("button", name=w["save_finish"]).click()
    to_documents(page, "en")
    assert violations(page) == []
    upload_materials(page, tmp, listed_materials(page))
    to_declaration(page, "en")
    assert violations(page) == []
    page.get_by_role("button", name=w["submit"]).click()
    expect(page.get_by_role("heading", name=w["submitted"])).to_be_visible()
    assert violations(page) == []
    page.get_by_role("link", name=w["follow"]).click()
    expect(page).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    assert violations(page) == []
    return page.url.rsplit("/", 1)[1]


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


def _units(server: str) -> None:
    """The housing office's inventory: one talent apartment available to offer (its pages are
    the housing journey's own, covered by the housing test)."""
    officer = _login(server, "yangpu.housing@demo.talent.gov.cn", DEMO_PASSWORD, True)
    project = httpx.post(
        f"{server}/api/v1/housing/projects",
        headers=officer,
        json={
            "name_zh": f"杨浦人才公寓{uuid.uuid4().hex[:4]}",
            "name_en": "Yangpu Talent Apartments",
            "address": "Yangpu, Shanghai",
            "operator": "Yangpu housing operator",
        },
    )
    assert project.status_code == 201, project.text
    rows = (
        "building,number,layout,area_sqm,floor,market_rent_cny,talent_rent_cny\n"
        f"B,{uuid.uuid4().hex[:5]},one_bed,45,8,5200,4200\n"
    )
    r = httpx.post(
        f"{server}/api/v1/housing/projects/{project.json()['id']}/units/import",
        headers={**officer, "Content-Type": "text/csv"},
        content=rows.encode(),
    )
    assert r.status_code == 200, r.text


def _statuses(page: Page) -> list[tuple[str, str]]:
    """Each step and its status as the page shows them (what the person and employer compare)."""
    steps = page.locator("ol.onboarding-steps > li")
    return [
        (str(li.get_attribute("id")), li.locator("dl .status-tag").first.inner_text())
        for li in steps.all()
    ]


def _request_consultation(page: Page, server: str, case_id: str) -> str:
    """From the schooling step the person opens the schooling consultation's own form (the
    child's date of birth and district for school), sends it, and books a session on it."""
    step = page.locator("#step-schooling")
    expect(step).to_contain_text("International schools in the district")
    expect(step).to_contain_text("This list is demo data")
    shot(page, "71-onboarding-schooling-step")
    with page.expect_navigation():
        step.get_by_role("button", name="Request the schooling consultation").click()
    page.get_by_role("link", name=WORDS["en"]["answer"]).click()
    child = date.today().replace(year=date.today().year - 7).isoformat()
    answer_every_page(page, {"child_birth_date": child, "school_district": "yangpu"}, "en")
    assert violations(page) == []
    with page.expect_navigation():
        page.get_by_role("button", name=WORDS["en"]["save_finish"]).click()
    application = re.search(r"/applications/([0-9a-f-]{36})", page.url)
    assert application is not None, page.url
    page.goto(f"{server}/applications/{application.group(1)}/check")
    page.locator("#declaration-input").check()
    page.locator("#sensitive_consent-input").check()
    page.get_by_role("button", name=WORDS["en"]["submit"]).click()
    page.get_by_role("link", name=WORDS["en"]["follow"]).click()
    expect(page).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    consultation = page.url.rsplit("/", 1)[1]

    page.goto(f"{server}/onboarding/{case_id}")
    step = page.locator("#step-schooling")
    expect(step).to_contain_text("Schooling consultation")
    step.locator(f"a[href$='/book?purpose=case:{consultation}']").first.click()
    expect(page.locator(f"input[name=purpose][value='case:{consultation}']")).to_be_checked()
    # Another time than the residence-permit appointment's (one person, one place at a time).
    page.locator("input[name=slot_start]").nth(1).check()
    page.locator("button[type=submit]").last.click()
    expect(page.locator(".panel-confirmation")).to_be_visible()
    assert violations(page) == []
    return consultation


def test_an_engineer_is_onboarded_by_the_employer(
    browser: Browser, server: str, tmp_path: Path
) -> None:
    payload, person_api = _person(server)

    # The employer starts the bundle for its new hire (phone, English).
    context, employer = staff_page(browser, server, HR, "phone", "en-US")
    person = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page: Page = person.new_page()
    page.viewport_name = "phone"  # type: ignore[attr-defined]
    try:
        employer.goto(f"{server}/lang/en?next=/onboarding/start")
        expect(employer.locator("#passport_number")).to_be_visible()
        assert violations(employer) == []
        employer.locator("#passport_number").fill(payload["passport_number"])
        employer.locator("main button[type=submit]").click()
        expect(employer).to_have_url(re.compile(r"/employer/cases\?done=onboarding$"))

        sign_in(page, server, payload["email"], PASSWORD)
        page.goto(f"{server}/lang/en?next=/services")
        case_id = _complete_the_form(page, server, tmp_path)

        # The window asks the employer to confirm the hire; the employer confirms on its page.
        window = _login(server, "yangpu.window@demo.talent.gov.cn", DEMO_PASSWORD, True)
        due = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 14 * 86400))
        _act(server, window, case_id, "request_employer_confirmation", due_on=due)
        employer.goto(f"{server}/employer/cases")
        confirm = employer.locator(f"form[action='/employer/cases/{case_id}']")
        expect(confirm).to_be_visible()
        assert violations(employer) == []
        confirm.locator("input[name=decision][value=confirm]").check()
        confirm.locator("button[type=submit]").click()
        expect(employer.locator(".notification.success").first).to_be_visible()
        _act(server, window, case_id, "accept")

        # Pre-check class B; the employer records its national application (hand-off).
        employer.goto(f"{server}/onboarding/{case_id}")
        expect(employer.locator("#precheck-title + p")).to_contain_text("Class B")
        employer.locator("#application_number").fill("WP-2026-000123")
        employer.locator("input[name=outcome][value=granted]").check()
        employer.locator("form[action$='/handoff'] button[type=submit]").click()
        expect(employer.locator(".notification.success")).to_contain_text("recorded")
        expect(employer.locator("#step-work_permit_handoff")).to_contain_text("WP-2026-000123")
        assert violations(employer) == []

        # The person books the residence-permit appointment from the same steps.
        page.goto(f"{server}/lang/en?next=/onboarding/{case_id}")
        permit = page.locator("#step-residence_permit")
        expect(permit).to_contain_text("To do")
        assert violations(page) == []
        permit.locator("a[href*='/book?purpose=service:onboarding_residence_permit']").first.click()
        expect(page.locator("input[name=slot_start]").first).to_be_visible()
        page.locator("input[name=slot_start]").first.check()
        page.locator("button[type=submit]").last.click()
        expect(page.locator(".panel-confirmation")).to_be_visible()
        assert violations(page) == []

        # The entry-exit office approves; the housing office approves the housing step, which
        # offers the talent apartment it has; the person accepts it on the progress page.
        view = httpx.get(f"{server}/api/v1/onboarding/{case_id}", headers=person_api).json()
        steps = {s["code"]: s for s in view["steps"]}
        _decide(server, "police", steps["residence_permit"]["case_id"])
        _units(server)
        _decide(server, "housing", steps["housing"]["case_id"])
        page.goto(f"{server}/onboarding/{case_id}")
        housing = page.locator("#step-housing")
        expect(housing).to_contain_text("Talent apartment offered")
        expect(housing).to_contain_text("Waiting for your answer")
        assert violations(page) == []
        shot(page, "70-onboarding-apartment-offer")
        housing.get_by_role("button", name="Accept the apartment").click()
        expect(page.locator(".notification.success").first).to_contain_text("accepted")
        expect(page.locator("#step-housing dl .status-tag").first).to_have_text("Done")

        # The school consultation, requested from its step with a session booked; the
        # education bureau answers it.
        consultation = _request_consultation(page, server, case_id)
        _act(server, window, consultation, "accept")
        _decide(server, "education", consultation)

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

        # The talent office decides the letter; both see it with the same progress.
        talent = _login(server, "yangpu.talent2@demo.talent.gov.cn", DEMO_PASSWORD, True)
        r = httpx.post(f"{server}/api/v1/onboarding/{case_id}/letter", headers=talent)
        assert r.status_code == 200, r.text
        page.goto(f"{server}/onboarding/{case_id}")
        expect(page.locator("#letter-title")).to_be_visible()
        employer.goto(f"{server}/onboarding/{case_id}")
        expect(employer.locator("#letter-title")).to_be_visible()
        assert _statuses(employer) == _statuses(page)
        shot(employer, "72-onboarding-employer-letter")
        assert len(_statuses(page)) == 7
        assert violations(employer) == []

        # The letter verifies through its QR page (the employer follows the check link).
        number = httpx.get(f"{server}/api/v1/cases/{case_id}", headers=person_api).json()
        employer.get_by_role("link", name="Check the letter on the verification page").click()
        expect(employer).to_have_url(re.compile(r"/verify/[^/]+$"))
        expect(employer.locator("main")).to_contain_text("Talent confirmation letter")
        expect(employer.locator("main")).to_contain_text(number["number"])
        assert violations(employer) == []
    finally:
        person.close()
        context.close()
