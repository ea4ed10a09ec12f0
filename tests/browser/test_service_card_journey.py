"""Issue 17, point 3, in a real browser at phone and desktop width, in Chinese and English: an
applicant's service_card case is approved (the card is issued in the decision's transaction),
they open the card from the case page, its QR verification page opens without signing in and
shows only validity and a masked name, they file a medical request from the card and see the
health commission's answer. axe checks each page."""

from __future__ import annotations

import os
import re
import sqlite3
import uuid

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.api_cases import Applicant, _upload, act, new_applicant, new_draft, staff_headers
from tests.browser.conftest import LOCALES, VIEWPORTS
from tests.browser.journeys import sign_in
from tests.browser.test_accessibility import violations
from tests.factories import uscc

pytestmark = pytest.mark.browser
ANSWER = {"zh": "已为您预约区中心医院心内科专家门诊。", "en": "Booked: cardiology clinic, Monday."}


def submitted_card_case(client: httpx.Client, who: Applicant, employer_uscc: str) -> str:
    """The applicant's service_card application naming ``employer_uscc``, submitted through
    the API; its case id."""
    draft = new_draft(client, who, "yangpu", "service_card")
    docs = {
        "id_document": _upload(client, who, "id_card"),
        "employment_contract": _upload(client, who, "employment_contract"),
    }
    answers = {
        "talent_programs": ["shanghai_pujiang"],
        "professional_title": "intermediate",
        "annual_salary_cny": 500000,
        "employer_district": "yangpu",
        "employer_uscc": employer_uscc,
    }
    r = client.patch(
        f"/api/v1/applications/{draft}",
        headers=who.headers,
        json={"answers": answers, "documents": docs},
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"/api/v1/applications/{draft}/submit",
        headers={**who.headers, "Idempotency-Key": uuid.uuid4().hex},
        json={"declaration": True, "sensitive_consent": True},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["case"]["id"])


def _card_case_in_review(client: httpx.Client, who: Applicant) -> str:
    """The applicant's service_card application, submitted through the API and moved to the
    decision directly (intake, the employer's answer and review have journeys of their own)."""
    case_id = submitted_card_case(client, who, uscc())
    with sqlite3.connect(os.environ["TALENT_BROWSER_DB"]) as db:
        moved = db.execute(
            "UPDATE service_case SET status = 'in_review', employer_confirmed = 1, "
            "accepted_on = date('now') WHERE id = ?",
            (uuid.UUID(case_id).hex,),
        ).rowcount
    assert moved == 1
    return case_id


def test_receive_a_card_verify_it_and_have_a_medical_request_answered(
    page: Page, browser: Browser, server: str, lang: str
) -> None:
    viewport = page.viewport_name  # type: ignore[attr-defined]
    found: dict[str, list[str]] = {}
    client = httpx.Client(base_url=server, timeout=30)
    who = new_applicant(client, language=lang)
    case_id = _card_case_in_review(client, who)
    approver = staff_headers(client, "yangpu.talent2@demo.talent.gov.cn")
    act(client, approver, case_id, "approve", reason="符合条件 / qualifies")

    sign_in(page, server, who.email, who.password)
    page.goto(f"{server}/lang/{lang}?next=/cases/{case_id}")
    page.locator("a[href^='/service-cards/']").click()
    expect(page).to_have_url(re.compile(r"/service-cards/[0-9a-f-]{36}$"))
    expect(page.locator(".card-status")).to_have_text("有效" if lang == "zh" else "In force")
    expect(page.locator(".card-number")).to_contain_text("YP-C-")
    expect(page.locator(".card-qr svg")).to_be_visible()
    expect(page.locator(".card-qr [role=img]")).to_have_attribute("aria-label", re.compile(".+"))
    if problems := violations(page):
        found["card"] = problems
    verify_url = page.locator("a.verify-url").get_attribute("href")
    assert verify_url and "/service-cards/verify/" in verify_url
    assert page.locator(".card-number").inner_text().strip() not in verify_url

    # Anyone scanning the code: a fresh browser, nobody signed in.
    stranger = browser.new_context(viewport=VIEWPORTS[viewport], locale=LOCALES[lang])
    try:
        public = stranger.new_page()
        path = verify_url.split("://", 1)[1].split("/", 1)[1]
        public.goto(f"{server}/lang/{lang}?next=/{path}")
        expect(public.locator(".card-verify.valid")).to_be_visible()
        expect(public.locator(".masked-name")).to_contain_text("*")
        assert "YP-C-" not in public.content()
        if problems := violations(public):
            found["verification"] = problems
    finally:
        stranger.close()

    page.locator("#kind-specialist_referral").check()
    page.locator("#details").fill("需要心内科专家门诊转诊 / cardiology referral")
    page.locator("#consent-input").check()
    page.locator("form[action$='/requests'] button[type=submit]").click()
    expect(page.locator(".notification.success")).to_be_visible()
    row = page.locator("table.card-requests tbody tr").first
    expect(row).to_contain_text("卫生健康委员会" if lang == "zh" else "Health commission")
    if problems := violations(page):
        found["request filed"] = problems
    request_case = row.locator("a").get_attribute("href")
    assert request_case and request_case.startswith("/cases/")

    health = staff_headers(client, "yangpu.health@demo.talent.gov.cn")
    request_id = request_case.rsplit("/", 1)[1]
    act(client, health, request_id, "start_review")
    act(client, health, request_id, "approve", reason=ANSWER[lang])

    page.reload()
    expect(page.locator("table.card-requests .request-answer").first).to_have_text(ANSWER[lang])
    assert found == {}
