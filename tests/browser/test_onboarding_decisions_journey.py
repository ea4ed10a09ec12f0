"""Issue 18, points 2 and 3, in a real browser, in English on a desktop: a Changning employer
nominates its new hire (class A) for the fast track for urgently needed talent, first leaving
out its reason (the error summary), then in full; the talent office endorses it and issues the
R-visa invitation letter on their pages; the employer sees the endorsement with its work-permit
hand-off and the letter to download, which verifies through its QR page. The bundle's own
steps (form, employer confirmation, acceptance) go through the API: their pages are the
onboarding journey's."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, expect

from app.services.demo import DEMO_PASSWORD, demo_uscc
from tests.browser.journeys import staff_page
from tests.browser.test_accessibility import violations
from tests.browser.test_onboarding_journey import ENGINEER, _accept, _login, _person, _submit
from tests.integration.test_onboarding_decisions import CLASS_A

pytestmark = pytest.mark.browser
HR = f"hr.{demo_uscc('91310105MA1FL2AB3')[-6:].lower()}@demo-employer.cn"
SENIOR = {**ENGINEER, **CLASS_A}


def _accepted_changning_bundle(server: str) -> str:
    payload, person_api = _person(server)
    hr_api = _login(server, HR, DEMO_PASSWORD, True)
    started = httpx.post(
        f"{server}/api/v1/onboarding",
        headers=hr_api,
        json={"passport_number": payload["passport_number"]},
    )
    assert started.status_code == 201, started.text
    case_id = _submit(server, person_api, "changning", SENIOR)
    _accept(server, case_id, "changning", hr_api)
    return case_id


def test_fast_track_endorsed_and_visa_invitation_issued(browser: Browser, server: str) -> None:
    case_id = _accepted_changning_bundle(server)

    context, employer = staff_page(browser, server, HR, "desktop", "en-US")
    try:
        employer.goto(f"{server}/lang/en?next=/onboarding/{case_id}")
        expect(employer.locator("#further-title")).to_be_visible()
        employer.locator("#further a[href$='/fast-track']").click()
        expect(employer).to_have_url(re.compile(r"/fast-track$"))
        employer.locator("input[name=shortage_field][value=aviation]").check()
        employer.locator("main button[type=submit]").click()
        expect(employer.locator(".error-summary")).to_be_visible()
        assert violations(employer) == []
        employer.locator("#reason").fill("Our lead avionics engineer; no one local applied")
        employer.locator("main button[type=submit]").click()
        expect(employer.locator(".notification.success")).to_contain_text("nomination")
        expect(employer.locator("main")).to_contain_text("Aviation services")
        assert violations(employer) == []
    finally:
        context.close()

    context, officer = staff_page(
        browser, server, "changning.talent2@demo.talent.gov.cn", "desktop", "en-US"
    )
    try:
        officer.goto(f"{server}/lang/en?next=/onboarding/{case_id}/fast-track")
        officer.locator("input[name=decision][value=endorsed]").check()
        officer.locator("#reason").fill("Aviation services are a Hongqiao shortage field")
        officer.locator("main button[type=submit]").click()
        expect(officer.locator(".notification.success")).to_contain_text("recorded")
        expect(officer.locator("main")).to_contain_text("Endorsed by the district")
        assert violations(officer) == []

        officer.goto(f"{server}/onboarding/{case_id}/letters/r_visa_invitation")
        expect(officer.locator("h1")).to_have_text("Invitation letter for a talent (R) visa")
        assert violations(officer) == []
        officer.locator("form[action$='/issue'] button[type=submit]").click()
        expect(officer.locator(".notification.success")).to_contain_text("issued")
        assert violations(officer) == []
    finally:
        context.close()

    context, employer = staff_page(browser, server, HR, "desktop", "en-US")
    try:
        employer.goto(f"{server}/lang/en?next=/onboarding/{case_id}")
        expect(employer.locator("#step-work_permit_handoff")).to_contain_text(
            "Endorsed by the district"
        )
        download = employer.locator("#further a[href$='.pdf']")
        expect(download).to_contain_text("Invitation letter for a talent (R) visa")
        pdf = employer.request.get(server + str(download.get_attribute("href")))
        assert pdf.ok and pdf.body().startswith(b"%PDF")
        assert violations(employer) == []
        employer.locator("#further a[href^='/verify/']").click()
        expect(employer.locator("main")).to_contain_text("Invitation letter for a talent (R) visa")
    finally:
        context.close()
