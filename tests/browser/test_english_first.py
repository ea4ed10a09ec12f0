"""English first (issue 18, point 4) in a real browser at phone width: a passport holder
registers in English with a Chinese name beside the Latin one and a phone number typed as at
home; a number that is no number is shown in the error summary; the account then shows both
names and the number in international form. Every page passes axe."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, expect

from tests.browser.conftest import VIEWPORTS, shot, watch
from tests.browser.journeys import WORDS, confirm_and_sign_in
from tests.browser.test_accessibility import violations
from tests.factories import passport

PASSWORD = "Journey-Tested-2026"


def test_register_in_english_with_a_chinese_name_and_an_international_phone(
    browser: Browser, server: str, server_errors: list[str]
) -> None:
    w = WORDS["en"]
    context = browser.new_context(viewport=VIEWPORTS["phone"], locale="en-GB")
    page = watch(context.new_page(), server_errors)
    page.viewport_name = "phone-en"  # type: ignore[attr-defined]
    try:
        email = f"maria.{uuid.uuid4().hex[:8]}@example.com"
        page.goto(f"{server}/lang/en?next=/register/overseas")
        expect(page.locator("#chinese_name")).to_be_visible()
        page.locator("#full_name").fill("Maria Rossi")
        page.locator("#chinese_name").fill("罗马丽")
        page.locator("#passport_number").fill(passport())
        page.locator("#nationality").select_option("GB")
        page.locator("#mobile").fill("12345")
        page.locator("#email").fill(email)
        page.locator("#password").fill(PASSWORD)
        page.locator("#consent_personal_info-input").check()
        page.get_by_role("button", name=w["create_account"]).click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_contain_text("international form with its country code")
        assert violations(page) == []
        shot(page, "english-first-register-error")
        # Typed as at home: read in the nationality's country, stored as E.164.
        page.locator("#mobile").fill("07911 123456")
        page.locator("#password").fill(PASSWORD)
        if not page.locator("#consent_personal_info-input").is_checked():
            page.locator("#consent_personal_info-input").check()
        page.get_by_role("button", name=w["create_account"]).click()
        expect(page.get_by_text(w["check_email"])).to_be_visible()
        confirm_and_sign_in(page, server, email, PASSWORD)
        expect(page.get_by_role("heading", name=w["your_account"])).to_be_visible()
        page.goto(server + "/account")
        expect(page.get_by_text("Maria Rossi")).to_be_visible()
        expect(page.get_by_text("罗马丽")).to_be_visible()
        expect(page.get_by_text("+44 **** **3456")).to_be_visible()
        assert violations(page) == []
        shot(page, "english-first-account")
        # The profile shows the number in international form, ready to correct.
        page.goto(server + "/account/my-data/correct")
        expect(page.locator("#mobile")).to_have_value("+44 7911 123456")
        expect(page.locator("#chinese_name")).to_have_value("罗马丽")
        assert violations(page) == []
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS["phone"]["width"], width
    finally:
        context.close()
