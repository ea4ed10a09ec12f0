"""Issue 17, point 3, the talent office's side of the service card in a real browser, in Chinese
on a phone and English on a desktop: the approver renews a card (after a confirmation page),
then revokes it — an empty reason is refused with an error summary and nothing changes — and the
holder's card page and the public QR page then say it is not valid, with the reason for the
holder. axe checks each page."""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from datetime import date

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.api_cases import act, new_applicant, staff_headers
from tests.browser.conftest import LOCALES, VIEWPORTS
from tests.browser.portal_api import applicant_in, staff_in
from tests.browser.test_accessibility import violations
from tests.browser.test_service_card_journey import _card_case_in_review

pytestmark = pytest.mark.browser
APPROVER = "yangpu.talent2@demo.talent.gov.cn"
WORDS = {
    "zh": {
        "renew": "续期",
        "yes_renew": "是，续期",
        "revoke": "撤销",
        "yes_revoke": "是，撤销",
        "renewed": "本卡已续期，并已通知持卡人。",
        "revoked": "本卡已撤销，并已将理由告知持卡人。",
    },
    "en": {
        "renew": "Renew",
        "yes_renew": "Yes, renew it",
        "revoke": "Revoke",
        "yes_revoke": "Yes, revoke it",
        "renewed": "The card has been renewed and the holder told.",
        "revoked": "The card has been revoked and the holder told the reason.",
    },
}
REASON = {"zh": "持卡人已离开杨浦区工作。", "en": "The holder no longer works in Yangpu."}
# Each language at its own width: Chinese on a phone, English on a desktop.
WIDTH = {"zh": "phone", "en": "desktop"}


def _card_of(case_id: str) -> tuple[str, date]:
    with sqlite3.connect(os.environ["TALENT_BROWSER_DB"]) as db:
        row = db.execute(
            "SELECT id, valid_until FROM service_card WHERE case_id = ?",
            (uuid.UUID(case_id).hex,),
        ).fetchone()
    assert row is not None, "the approval issued no card"
    return str(uuid.UUID(row[0])), date.fromisoformat(row[1])


def _valid_until(page: Page) -> str:
    return page.locator("dl.summary-list .row").nth(4).locator("dd").inner_text().strip()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_talent_office_renews_then_revokes_a_card(
    browser: Browser, server: str, lang: str
) -> None:
    w, viewport = WORDS[lang], WIDTH[lang]
    found: dict[str, list[str]] = {}
    client = httpx.Client(base_url=server, timeout=30)
    who = new_applicant(client, language=lang)
    case_id = _card_case_in_review(client, who)
    act(client, staff_headers(client, APPROVER), case_id, "approve", reason="符合条件 / qualifies")
    card_id, valid_until = _card_of(case_id)

    officer = staff_in(browser, server, APPROVER, viewport, lang)
    try:
        officer.goto(f"{server}/staff/service-cards/{card_id}")
        expect(officer.get_by_role("heading", level=1)).to_contain_text("YP-C-")
        assert _valid_until(officer) == valid_until.isoformat()
        if problems := violations(officer):
            found["card"] = problems

        officer.get_by_role("link", name=w["renew"], exact=True).click()
        expect(officer.get_by_role("button", name=w["yes_renew"])).to_be_visible()
        if problems := violations(officer):
            found["renew confirmation"] = problems
        officer.get_by_role("button", name=w["yes_renew"]).click()
        expect(officer.get_by_role("status")).to_contain_text(w["renewed"])
        renewed_until = date.fromisoformat(_valid_until(officer))
        assert renewed_until > valid_until

        officer.get_by_role("link", name=w["revoke"], exact=True).click()
        expect(officer.get_by_role("button", name=w["yes_revoke"])).to_be_visible()
        # No reason: refused, said at the top and at the field, and the card stays in force.
        officer.get_by_role("button", name=w["yes_revoke"]).click()
        expect(officer.locator(".error-summary")).to_be_visible()
        expect(officer.locator(".error-summary a[href='#reason']")).to_be_visible()
        expect(officer.locator("#reason")).to_have_attribute("aria-invalid", "true")
        if problems := violations(officer):
            found["revoke refused"] = problems
        officer.locator("#reason").fill(REASON[lang])
        officer.get_by_role("button", name=w["yes_revoke"]).click()
        expect(officer.get_by_role("status")).to_contain_text(w["revoked"])
        expect(officer.get_by_text(REASON[lang])).to_be_visible()
        # A revoked card is managed no more.
        expect(officer.get_by_role("link", name=w["renew"], exact=True)).to_have_count(0)
        if problems := violations(officer):
            found["revoked"] = problems
    finally:
        officer.context.close()

    holder = applicant_in(browser, server, who, viewport, lang, f"/service-cards/{card_id}")
    try:
        expect(holder.locator(".card-status")).to_be_visible()
        expect(holder.get_by_text(REASON[lang])).to_be_visible()
        verify_url = holder.locator("a.verify-url").get_attribute("href")
        assert verify_url
        path = verify_url.split("://", 1)[1].split("/", 1)[1]
        public = browser.new_context(viewport=VIEWPORTS[viewport], locale=LOCALES[lang]).new_page()
        public.goto(f"{server}/lang/{lang}?next=/{path}")
        expect(public.locator(".card-verify.invalid")).to_be_visible()
        assert not re.search(REASON[lang], public.content()), "the reason is the holder's"
        if problems := violations(public):
            found["verification"] = problems
        public.context.close()
    finally:
        holder.context.close()
    assert found == {}
